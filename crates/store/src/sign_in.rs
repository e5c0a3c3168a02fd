//! Sessions, API tokens, invites and the sign-in failure counts that throttle guessing.

use chrono::Duration;
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, ExprTrait, PaginatorTrait, QueryFilter, QueryOrder};

use crate::entity::{api_token, invite, person, session, sign_in_failure};
use crate::held::{Fetch, Read};
use crate::secret::{hash_token, new_token};
use crate::{Person, Result, Store, StoreError, Timestamp, now};

/// A session just created: the cookie value and its CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Goes into the cookie; only its hash is stored.
    pub token: String,
    /// Goes into forms and the `X-CSRF-Token` header.
    pub csrf_token: String,
}

/// A live session.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    /// Who is signed in.
    pub person: Person,
    /// Their CSRF token for this session.
    pub csrf_token: String,
}

/// A personal API token, as listed (never the secret itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Id, for revoking.
    pub id: i64,
    /// What the person called it.
    pub label: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was last used (to the minute).
    pub last_used_at: Option<Timestamp>,
    /// When it was revoked.
    pub revoked_at: Option<Timestamp>,
}

/// Why an invite link does not work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum InviteError {
    /// Never issued (or mistyped).
    #[error("this invite link is not valid; ask your admin for a new one")]
    Unknown,
    /// Older than its validity.
    #[error("this invite link has expired; ask your admin for a new one")]
    Expired,
    /// Already used once.
    #[error("this invite link has been used already; sign in, or ask your admin for a new one")]
    Used,
}

/// Recent sign-in failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCounts {
    /// For this account.
    pub account: u64,
    /// From this client address.
    pub client: u64,
}

fn to_token(m: api_token::Model) -> ApiToken {
    ApiToken {
        id: m.id,
        label: m.label,
        created_at: m.created_at,
        last_used_at: m.last_used_at,
        revoked_at: m.revoked_at,
    }
}

impl Store {
    /// Starts a session for a person (and clears out expired ones, so the
    /// table holds only live sessions without a separate sweeper).
    pub async fn create_session(&self, person_id: i64, ttl: Duration) -> Result<NewSession> {
        let (token, hash) = new_token();
        let (csrf_token, _) = new_token();
        let at = now();
        session::Entity::delete_many().filter(session::Column::ExpiresAt.lte(at)).exec(&self.db).await?;
        session::ActiveModel {
            id_hash: Set(hash),
            person_id: Set(person_id),
            csrf_token: Set(csrf_token.clone()),
            created_at: Set(at),
            expires_at: Set(at + ttl),
        }
        .insert(&self.db)
        .await?;
        Ok(NewSession { token, csrf_token })
    }

    /// The live session behind a cookie value, if any.
    pub async fn session(&self, token: &str) -> Result<Option<SessionRecord>> {
        // One read for the session, its person and their department: it runs
        // before every signed-in request.
        let sql = sql_once!(
            "{} JOIN sessions s ON s.person_id = p.id WHERE s.id_hash = ?1 AND s.expires_at > ?2 AND p.active = ?3",
            crate::people::person_select(", s.csrf_token AS csrf_token")
        );
        let values: [sea_orm::Value; 3] = [hash_token(token).into(), now().into(), true.into()];
        let read = Read { sql, values: &values, one: true };
        let found = self
            .db
            .fetch(read, |c| {
                Ok(SessionRecord { person: Self::person_of_cols(c)?, csrf_token: c.get(person::Model::WIDTH + 1)? })
            })
            .await?;
        Ok(found.into_iter().next())
    }

    /// Ends one session.
    pub async fn delete_session(&self, token: &str) -> Result<()> {
        session::Entity::delete_by_id(hash_token(token)).exec(&self.db).await?;
        Ok(())
    }

    /// Ends every session of a person ("sign out everywhere").
    pub async fn delete_sessions_of(&self, person_id: i64) -> Result<u64> {
        let r = session::Entity::delete_many().filter(session::Column::PersonId.eq(person_id)).exec(&self.db).await?;
        Ok(r.rows_affected)
    }

    /// Makes a personal API token; the secret is returned once and never again.
    pub async fn create_api_token(&self, person_id: i64, label: &str) -> Result<(ApiToken, String)> {
        let (token, hash) = new_token();
        let token = format!("fh_{token}");
        let m = api_token::ActiveModel {
            id: NotSet,
            person_id: Set(person_id),
            label: Set(label.trim().to_owned()),
            token_hash: Set(hash_token(&token)),
            created_at: Set(now()),
            last_used_at: Set(None),
            revoked_at: Set(None),
        }
        .insert(&self.db)
        .await?;
        let _ = hash;
        Ok((to_token(m), token))
    }

    /// A person's tokens, newest first.
    pub async fn api_tokens(&self, person_id: i64) -> Result<Vec<ApiToken>> {
        let rows = api_token::Entity::find()
            .filter(api_token::Column::PersonId.eq(person_id))
            .order_by_desc(api_token::Column::Id)
            .all(&self.db)
            .await?;
        Ok(rows.into_iter().map(to_token).collect())
    }

    /// Revokes one of a person's tokens; `NotFound` if it is not theirs.
    pub async fn revoke_api_token(&self, person_id: i64, token_id: i64) -> Result<ApiToken> {
        let m = api_token::Entity::find_by_id(token_id)
            .filter(api_token::Column::PersonId.eq(person_id))
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)?;
        if m.revoked_at.is_some() {
            return Ok(to_token(m));
        }
        let mut am: api_token::ActiveModel = m.into();
        am.revoked_at = Set(Some(now()));
        Ok(to_token(am.update(&self.db).await?))
    }

    /// The active person an API token belongs to, noting its use.
    pub async fn person_by_api_token(&self, token: &str) -> Result<Option<Person>> {
        let Some(m) = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(hash_token(token)))
            .filter(api_token::Column::RevokedAt.is_null())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let at = now();
        // Note use at most once a minute: a write per API call would cost more than the call.
        if m.last_used_at.is_none_or(|t| at - t > Duration::minutes(1)) {
            let mut am: api_token::ActiveModel = m.clone().into();
            am.last_used_at = Set(Some(at));
            am.update(&self.db).await?;
        }
        Ok(self.person(m.person_id).await?.filter(|p| p.active))
    }

    /// Issues an invite link token for a person; earlier unused invites stop working.
    pub async fn create_invite(&self, person_id: i64, ttl: Duration) -> Result<String> {
        let (token, hash) = new_token();
        let at = now();
        let txn = self.write_txn().await?;
        invite::Entity::update_many()
            .col_expr(invite::Column::ExpiresAt, sea_orm::sea_query::Expr::value(at))
            .filter(invite::Column::PersonId.eq(person_id))
            .filter(invite::Column::UsedAt.is_null())
            .filter(invite::Column::ExpiresAt.gt(at))
            .exec(&txn)
            .await?;
        invite::ActiveModel {
            id: NotSet,
            person_id: Set(person_id),
            token_hash: Set(hash),
            created_at: Set(at),
            expires_at: Set(at + ttl),
            used_at: Set(None),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok(token)
    }

    /// Who an invite is for, if it can still be used.
    pub async fn invite(&self, token: &str) -> Result<Result<Person, InviteError>> {
        let Some(inv) =
            invite::Entity::find().filter(invite::Column::TokenHash.eq(hash_token(token))).one(&self.db).await?
        else {
            return Ok(Err(InviteError::Unknown));
        };
        if inv.used_at.is_some() {
            return Ok(Err(InviteError::Used));
        }
        if inv.expires_at <= now() {
            return Ok(Err(InviteError::Expired));
        }
        match self.person(inv.person_id).await? {
            Some(p) if p.active => Ok(Ok(p)),
            _ => Ok(Err(InviteError::Unknown)),
        }
    }

    /// Uses an invite to set a password, exactly once even when two requests race.
    pub async fn redeem_invite(&self, token: &str, password_hash: &str) -> Result<Result<Person, InviteError>> {
        let txn = self.write_txn().await?;
        let at = now();
        let claimed = invite::Entity::update_many()
            .col_expr(invite::Column::UsedAt, sea_orm::sea_query::Expr::value(Some(at)))
            .filter(invite::Column::TokenHash.eq(hash_token(token)))
            .filter(invite::Column::UsedAt.is_null())
            .filter(invite::Column::ExpiresAt.gt(at))
            .exec(&txn)
            .await?;
        if claimed.rows_affected != 1 {
            drop(txn);
            return Ok(Err(self.invite(token).await?.err().unwrap_or(InviteError::Used)));
        }
        let inv = invite::Entity::find()
            .filter(invite::Column::TokenHash.eq(hash_token(token)))
            .one(&txn)
            .await?
            .ok_or(StoreError::NotFound)?;
        person::Entity::update_many()
            .col_expr(person::Column::PasswordHash, sea_orm::sea_query::Expr::value(password_hash.to_owned()))
            .filter(person::Column::Id.eq(inv.person_id))
            .exec(&txn)
            .await?;
        // A new password ends every session the old one opened: whoever used
        // the link, nobody stays signed in on the strength of the old password.
        session::Entity::delete_many().filter(session::Column::PersonId.eq(inv.person_id)).exec(&txn).await?;
        txn.commit().await?;
        match self.person(inv.person_id).await? {
            Some(p) => Ok(Ok(p)),
            None => Ok(Err(InviteError::Unknown)),
        }
    }

    /// Notes a failed sign-in.
    pub async fn record_sign_in_failure(&self, email: &str, client_ip: &str) -> Result<()> {
        sign_in_failure::ActiveModel {
            id: NotSet,
            email: Set(email.to_lowercase()),
            client_ip: Set(client_ip.to_owned()),
            at: Set(now()),
        }
        .insert(&self.db)
        .await?;
        Ok(())
    }

    /// Failures since `since`, for the account and for the client address.
    pub async fn sign_in_failures(&self, email: &str, client_ip: &str, since: Timestamp) -> Result<FailureCounts> {
        let account = sign_in_failure::Entity::find()
            .filter(sign_in_failure::Column::Email.eq(email.to_lowercase()))
            .filter(sign_in_failure::Column::At.gt(since))
            .count(&self.db)
            .await?;
        let client = sign_in_failure::Entity::find()
            .filter(sign_in_failure::Column::ClientIp.eq(client_ip))
            .filter(sign_in_failure::Column::At.gt(since))
            .count(&self.db)
            .await?;
        Ok(FailureCounts { account, client })
    }

    /// Forgets an account's failures after a successful sign-in, and drops old rows.
    pub async fn clear_sign_in_failures(&self, email: &str, older_than: Timestamp) -> Result<()> {
        sign_in_failure::Entity::delete_many()
            .filter(
                sign_in_failure::Column::Email.eq(email.to_lowercase()).or(sign_in_failure::Column::At.lt(older_than)),
            )
            .exec(&self.db)
            .await?;
        Ok(())
    }
}
