//! People, departments and reporting lines.

use std::collections::HashMap;

use foothold_domain::import::{self, ExistingPerson, RowError};
use foothold_domain::policy::Relation;
use foothold_domain::{Email, PersonName, Role};
use sea_orm::ActiveValue::{NotSet, Set};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Statement,
};

use crate::entity::{department, person};
use crate::held::{Fetch, Read};
use crate::lite::Cols;
use crate::{Result, Store, StoreError, Timestamp, now, set_if_changed, sql};

/// How far up a reporting line Foothold looks; deeper lines are not real organisations.
const MAX_DEPTH: i64 = 64;

/// Selects a person's columns and their department's name, with `extra`
/// columns (each with a leading comma) and any joins the caller appends;
/// callers add the `WHERE`. Rows are read with [`Store::person_of_row`].
pub(crate) fn person_select(extra: &str) -> String {
    format!(
        "SELECT {}, d.name AS department_name{extra} FROM people p LEFT JOIN departments d ON d.id = p.department_id",
        person::Model::columns("p.")
    )
}

/// [`person_select`] and the rest of a statement, made once.
macro_rules! people_where {
    ($rest:literal) => {
        sql_once!("{} {}", person_select(""), $rest)
    };
}

/// A person as the rest of Foothold sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Stable id.
    pub id: i64,
    /// Lower-cased e-mail address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Job title (may be empty).
    pub title: String,
    /// Department id, if any.
    pub department_id: Option<i64>,
    /// Department name, if any.
    pub department: Option<String>,
    /// Direct manager, if any.
    pub manager_id: Option<i64>,
    /// Role.
    pub role: Role,
    /// Deactivated people cannot sign in and are hidden from pickers.
    pub active: bool,
    /// Whether they have set a password (invited people have not yet).
    pub has_password: bool,
    /// Bumped on every change, for optimistic concurrency.
    pub version: i64,
    /// When they were added.
    pub created_at: Timestamp,
    /// When they last changed.
    pub updated_at: Timestamp,
}

/// A person to add.
#[derive(Debug, Clone)]
pub struct NewPerson {
    /// E-mail, unique.
    pub email: Email,
    /// Name.
    pub name: PersonName,
    /// Job title, may be empty.
    pub title: String,
    /// Department by name, created when new.
    pub department: Option<String>,
    /// Manager.
    pub manager_id: Option<i64>,
    /// Role.
    pub role: Role,
}

/// Changes to a person; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct PersonChanges {
    /// New name.
    pub name: Option<PersonName>,
    /// New e-mail.
    pub email: Option<Email>,
    /// New title.
    pub title: Option<String>,
    /// New department by name (`Some(None)` clears it).
    pub department: Option<Option<String>>,
    /// New manager (`Some(None)` clears it).
    pub manager_id: Option<Option<i64>>,
    /// New role.
    pub role: Option<Role>,
    /// Activate or deactivate.
    pub active: Option<bool>,
}

/// What a successful import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    /// People added, by id.
    pub created: Vec<i64>,
    /// People whose details changed.
    pub updated: usize,
    /// Rows that matched what was stored already.
    pub unchanged: usize,
}

/// Why an import changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportFailure {
    /// The file has bad rows; every one is listed.
    #[error("{} row(s) cannot be imported", .0.len())]
    Rows(Vec<RowError>),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

impl Store {
    async fn department_names(&self, db: &impl ConnectionTrait) -> Result<HashMap<i64, String>> {
        Ok(department::Entity::find().all(db).await?.into_iter().map(|d| (d.id, d.name)).collect())
    }

    /// The name of a person's department, read alone (after a write).
    async fn department_of(db: &impl ConnectionTrait, m: &person::Model) -> Result<Option<String>> {
        Ok(match m.department_id {
            Some(id) => department::Entity::find_by_id(id).one(db).await?.map(|d| d.name),
            None => None,
        })
    }

    fn to_person(m: person::Model, department: Option<String>) -> Person {
        Person {
            department,
            id: m.id,
            email: m.email,
            name: m.name,
            title: m.title,
            department_id: m.department_id,
            manager_id: m.manager_id,
            role: Role::from_stored(&m.role),
            active: m.active,
            has_password: m.password_hash.is_some(),
            version: m.version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }

    /// Finds or creates a department by name, case-insensitively.
    pub(crate) async fn department_id(db: &impl ConnectionTrait, name: &str) -> Result<Option<i64>> {
        let name = name.trim();
        if name.is_empty() {
            return Ok(None);
        }
        if let Some(d) = department::Entity::find().filter(department::Column::NameKey.eq(key(name))).one(db).await? {
            return Ok(Some(d.id));
        }
        let d = department::ActiveModel {
            id: NotSet,
            name: Set(name.to_owned()),
            name_key: Set(key(name)),
            created_at: Set(now()),
        }
        .insert(db)
        .await?;
        Ok(Some(d.id))
    }

    /// How many people there are, active or not.
    pub async fn count_people(&self) -> Result<u64> {
        use sea_orm::PaginatorTrait;
        Ok(person::Entity::find().count(&self.db).await?)
    }

    /// Adds a person.
    pub async fn create_person(&self, new: &NewPerson) -> Result<Person> {
        let txn = self.write_txn().await?;
        if person::Entity::find().filter(person::Column::Email.eq(new.email.as_str())).one(&txn).await?.is_some() {
            return Err(StoreError::Conflict(format!("someone with the e-mail {} is already in Foothold", new.email)));
        }
        if let Some(m) = new.manager_id
            && person::Entity::find_by_id(m).one(&txn).await?.is_none()
        {
            return Err(StoreError::Conflict("the manager does not exist".into()));
        }
        let department_id = match &new.department {
            Some(d) => Self::department_id(&txn, d).await?,
            None => None,
        };
        let at = now();
        let m = person::ActiveModel {
            id: NotSet,
            email: Set(new.email.as_str().to_owned()),
            name: Set(new.name.as_str().to_owned()),
            title: Set(new.title.trim().to_owned()),
            department_id: Set(department_id),
            manager_id: Set(new.manager_id),
            role: Set(new.role.as_str().to_owned()),
            active: Set(true),
            password_hash: Set(None),
            version: Set(1),
            created_at: Set(at),
            updated_at: Set(at),
        }
        .insert(&txn)
        .await?;
        let department = Self::department_of(&txn, &m).await?;
        txn.commit().await?;
        Ok(Self::to_person(m, department))
    }

    /// One person by id.
    pub async fn person(&self, id: i64) -> Result<Option<Person>> {
        self.one_person(people_where!("WHERE p.id = ?1"), id.into()).await
    }

    /// One person by e-mail.
    pub async fn person_by_email(&self, email: &Email) -> Result<Option<Person>> {
        self.one_person(people_where!("WHERE p.email = ?1"), email.as_str().into()).await
    }

    /// One person and their department's name in one read: every page
    /// loads a person or two, and each read costs a trip to the database.
    async fn one_person(&self, sql: &str, value: sea_orm::Value) -> Result<Option<Person>> {
        let read = Read { sql, values: &[value], one: true };
        Ok(self.db.fetch(read, Self::person_of_cols).await?.pop())
    }

    /// A row that selected [`person_select`]'s columns.
    pub(crate) fn person_of_cols(c: &Cols<'_>) -> std::result::Result<Person, DbErr> {
        let department = c.get(person::Model::WIDTH)?;
        Ok(Self::to_person(person::Model::from_cols(c, 0)?, department))
    }

    /// Names of the given people, in one query (for list pages).
    pub async fn names(&self, ids: &[i64]) -> Result<HashMap<i64, String>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!("SELECT id, name FROM people WHERE id IN ({})", crate::marks(1, ids.len()));
        let values: Vec<sea_orm::Value> = ids.iter().map(|&id| id.into()).collect();
        let read = Read { sql: &sql, values: &values, one: false };
        Ok(self.db.fetch(read, |c| Ok((c.get(0)?, c.get(1)?))).await?.into_iter().collect())
    }

    /// Everyone, by name.
    pub async fn list_people(&self) -> Result<Vec<Person>> {
        let departments = self.department_names(&self.db).await?;
        let rows = person::Entity::find()
            .order_by_asc(person::Column::Name)
            .order_by_asc(person::Column::Id)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|m| {
                let department = m.department_id.and_then(|d| departments.get(&d).cloned());
                Self::to_person(m, department)
            })
            .collect())
    }

    /// A person's direct reports, active first, by name.
    pub async fn direct_reports(&self, id: i64) -> Result<Vec<Person>> {
        let sql = people_where!("WHERE p.manager_id = ?1 ORDER BY p.active DESC, p.name, p.id");
        Ok(self.db.fetch(Read { sql, values: &[id.into()], one: false }, Self::person_of_cols).await?)
    }

    /// A person's manager (when `manager_id` is given) and direct reports,
    /// active first, by name, in one read: the home page shows both.
    pub async fn manager_and_reports(&self, id: i64, manager_id: Option<i64>) -> Result<(Option<Person>, Vec<Person>)> {
        let sql = people_where!("WHERE p.manager_id = ?1 OR p.id = ?2 ORDER BY p.active DESC, p.name, p.id");
        let values = [id.into(), sea_orm::Value::BigInt(manager_id)];
        let people = self.db.fetch(Read { sql, values: &values, one: false }, Self::person_of_cols).await?;
        let mut manager = None;
        let mut reports = Vec::with_capacity(people.len());
        for p in people {
            if Some(p.id) == manager_id {
                manager = Some(p);
            } else {
                reports.push(p);
            }
        }
        Ok((manager, reports))
    }

    /// Every department, by name.
    pub async fn list_departments(&self) -> Result<Vec<(i64, String)>> {
        let rows = department::Entity::find().order_by_asc(department::Column::NameKey).all(&self.db).await?;
        Ok(rows.into_iter().map(|d| (d.id, d.name)).collect())
    }

    /// The ids above a person, nearest manager first.
    pub async fn managers_above(&self, id: i64) -> Result<Vec<i64>> {
        Self::chain_up(&self.db, id).await
    }

    async fn chain_up(db: &impl ConnectionTrait, id: i64) -> Result<Vec<i64>> {
        let backend = db.get_database_backend();
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql(
                    backend,
                    "WITH RECURSIVE chain (id, manager_id, depth) AS ( \
                       SELECT id, manager_id, 0 FROM people WHERE id = $1 \
                       UNION ALL \
                       SELECT p.id, p.manager_id, c.depth + 1 FROM people p JOIN chain c ON p.id = c.manager_id \
                       WHERE c.depth < $2) \
                     SELECT id, depth FROM chain WHERE depth > 0 ORDER BY depth",
                ),
                [id.into(), MAX_DEPTH.into()],
            ))
            .await?;
        rows.iter().map(|r| r.try_get::<i64>("", "id").map_err(StoreError::from)).collect()
    }

    /// Everyone below a person in the reporting lines, at any depth.
    pub async fn reports_below(&self, id: i64) -> Result<Vec<i64>> {
        let backend = self.backend();
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql(
                    backend,
                    "WITH RECURSIVE tree (id, depth) AS ( \
                       SELECT id, 1 FROM people WHERE manager_id = $1 \
                       UNION ALL \
                       SELECT p.id, t.depth + 1 FROM people p JOIN tree t ON p.manager_id = t.id WHERE t.depth < $2) \
                     SELECT id FROM tree",
                ),
                [id.into(), MAX_DEPTH.into()],
            ))
            .await?;
        rows.iter().map(|r| r.try_get::<i64>("", "id").map_err(StoreError::from)).collect()
    }

    /// How `actor` relates to `target` in the reporting lines.
    pub async fn relation(&self, actor: i64, target: i64) -> Result<Relation> {
        if actor == target {
            return Ok(Relation::Myself);
        }
        if Self::chain_up(&self.db, target).await?.contains(&actor) {
            return Ok(Relation::Leads);
        }
        if Self::chain_up(&self.db, actor).await?.contains(&target) {
            return Ok(Relation::ReportsTo);
        }
        Ok(Relation::Other)
    }

    /// Changes a person. With `expected_version`, refuses with [`StoreError::Stale`]
    /// when someone else changed them since they were read.
    pub async fn update_person(
        &self,
        id: i64,
        changes: &PersonChanges,
        expected_version: Option<i64>,
    ) -> Result<Person> {
        let txn = self.write_txn().await?;
        let current = person::Entity::find_by_id(id).one(&txn).await?.ok_or(StoreError::NotFound)?;
        if expected_version.is_some_and(|v| v != current.version) {
            return Err(StoreError::Stale);
        }
        let mut m: person::ActiveModel = current.clone().into();
        if let Some(name) = &changes.name {
            set_if_changed(&mut m.name, &current.name, name.as_str().to_owned());
        }
        if let Some(email) = &changes.email {
            if email.as_str() != current.email
                && person::Entity::find().filter(person::Column::Email.eq(email.as_str())).one(&txn).await?.is_some()
            {
                return Err(StoreError::Conflict(format!("someone with the e-mail {email} is already in Foothold")));
            }
            set_if_changed(&mut m.email, &current.email, email.as_str().to_owned());
        }
        if let Some(title) = &changes.title {
            set_if_changed(&mut m.title, &current.title, title.trim().to_owned());
        }
        if let Some(dept) = &changes.department {
            let id = match dept {
                Some(d) => Self::department_id(&txn, d).await?,
                None => None,
            };
            set_if_changed(&mut m.department_id, &current.department_id, id);
        }
        if let Some(manager) = changes.manager_id {
            if let Some(mgr) = manager {
                if mgr == id {
                    return Err(StoreError::Conflict("a person cannot be their own manager".into()));
                }
                if person::Entity::find_by_id(mgr).one(&txn).await?.is_none() {
                    return Err(StoreError::Conflict("the manager does not exist".into()));
                }
                if Self::chain_up(&txn, mgr).await?.contains(&id) {
                    return Err(StoreError::Conflict(
                        "that manager reports to this person already, so the change would make a reporting cycle"
                            .into(),
                    ));
                }
            }
            set_if_changed(&mut m.manager_id, &current.manager_id, manager);
        }
        if let Some(role) = changes.role {
            set_if_changed(&mut m.role, &current.role, role.as_str().to_owned());
        }
        if let Some(active) = changes.active {
            set_if_changed(&mut m.active, &current.active, active);
        }
        if !m.is_changed() {
            let department = Self::department_of(&txn, &current).await?;
            txn.commit().await?;
            return Ok(Self::to_person(current, department));
        }
        m.version = Set(current.version + 1);
        m.updated_at = Set(now());
        // The version in the WHERE makes check and write one step on every database.
        let updated = match person::Entity::update(m)
            .validate()?
            .filter(person::Column::Version.eq(current.version))
            .exec(&txn)
            .await
        {
            Err(DbErr::RecordNotUpdated) => return Err(StoreError::Stale),
            other => other?,
        };
        if changes.active == Some(false) {
            // A deactivated person is signed out at once, everywhere.
            crate::entity::session::Entity::delete_many()
                .filter(crate::entity::session::Column::PersonId.eq(id))
                .exec(&txn)
                .await?;
        }
        let department = Self::department_of(&txn, &updated).await?;
        txn.commit().await?;
        Ok(Self::to_person(updated, department))
    }

    /// Stores a new password hash.
    pub async fn set_password_hash(&self, id: i64, hash: &str) -> Result<()> {
        let res = person::Entity::update_many()
            .col_expr(person::Column::PasswordHash, sea_orm::sea_query::Expr::value(hash.to_owned()))
            .filter(person::Column::Id.eq(id))
            .exec(&self.db)
            .await?;
        if res.rows_affected == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The stored password hash of an active person, for sign-in.
    pub async fn credentials(&self, email: &Email) -> Result<Option<(Person, Option<String>)>> {
        let Some(m) = person::Entity::find()
            .filter(person::Column::Email.eq(email.as_str()))
            .filter(person::Column::Active.eq(true))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let hash = m.password_hash.clone();
        Ok(self.person(m.id).await?.map(|p| (p, hash)))
    }

    /// Imports people from CSV: all rows or none. Re-importing a file updates
    /// people by e-mail (name, title, department, manager) and nothing else.
    pub async fn import_people(&self, input: &[u8]) -> Result<ImportOutcome, ImportFailure> {
        let txn = self.write_txn().await.map_err(StoreError::from)?;
        if txn.get_database_backend() == DatabaseBackend::Postgres {
            // Two imports at once must not interleave their cycle checks.
            txn.execute_unprepared("LOCK TABLE people IN SHARE ROW EXCLUSIVE MODE").await.map_err(StoreError::from)?;
        }
        let stored = person::Entity::find().all(&txn).await.map_err(StoreError::from)?;
        let email_of: HashMap<i64, String> = stored.iter().map(|p| (p.id, p.email.clone())).collect();
        let existing: Vec<ExistingPerson> = stored
            .iter()
            .filter_map(|p| {
                Some(ExistingPerson {
                    email: Email::parse(&p.email).ok()?,
                    manager: p.manager_id.and_then(|m| email_of.get(&m)).and_then(|e| Email::parse(e).ok()),
                })
            })
            .collect();
        let rows = import::plan_import(input, &existing).map_err(ImportFailure::Rows)?;
        let mut by_email: HashMap<String, person::Model> = stored.into_iter().map(|p| (p.email.clone(), p)).collect();
        let mut departments: HashMap<String, Option<i64>> = HashMap::new();
        let mut outcome = ImportOutcome::default();
        let at = now();
        for row in rows {
            let dept_key = key(row.department.as_str());
            let department_id = match departments.get(&dept_key) {
                Some(id) => *id,
                None => {
                    let id = Self::department_id(&txn, row.department.as_str()).await?;
                    departments.insert(dept_key, id);
                    id
                }
            };
            let manager_id = match &row.manager {
                Some(m) => Some(by_email.get(m.as_str()).map(|p| p.id).ok_or_else(|| {
                    StoreError::Database(DbErr::Custom(format!("manager {m} missing after planning")))
                })?),
                None => None,
            };
            let model = match by_email.get(row.email.as_str()) {
                Some(current) => {
                    let mut m: person::ActiveModel = current.clone().into();
                    set_if_changed(&mut m.name, &current.name, row.name.as_str().to_owned());
                    set_if_changed(&mut m.title, &current.title, row.title.as_str().to_owned());
                    set_if_changed(&mut m.department_id, &current.department_id, department_id);
                    set_if_changed(&mut m.manager_id, &current.manager_id, manager_id);
                    if m.is_changed() {
                        m.version = Set(current.version + 1);
                        m.updated_at = Set(at);
                        outcome.updated += 1;
                        m.update(&txn).await.map_err(StoreError::from)?
                    } else {
                        outcome.unchanged += 1;
                        continue;
                    }
                }
                None => {
                    let m = person::ActiveModel {
                        id: NotSet,
                        email: Set(row.email.as_str().to_owned()),
                        name: Set(row.name.as_str().to_owned()),
                        title: Set(row.title.as_str().to_owned()),
                        department_id: Set(department_id),
                        manager_id: Set(manager_id),
                        role: Set(Role::Member.as_str().to_owned()),
                        active: Set(true),
                        password_hash: Set(None),
                        version: Set(1),
                        created_at: Set(at),
                        updated_at: Set(at),
                    }
                    .insert(&txn)
                    .await
                    .map_err(StoreError::from)?;
                    outcome.created.push(m.id);
                    m
                }
            };
            by_email.insert(model.email.clone(), model);
        }
        txn.commit().await.map_err(StoreError::from)?;
        Ok(outcome)
    }
}
