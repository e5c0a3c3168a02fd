//! Email reminders: the scheduler that queues them in the outbox and the
//! worker that sends the outbox over SMTP; and security notices, queued by
//! the request that changed a way into an account ([`queue_notice`]).
//!
//! Every replica runs the same worker. Each tick (about a minute) it
//! 1. gives up on mails queued more than a week ago and still unsent (a
//!    reminder that late would mislead more than help), and on mails to people
//!    who have since turned reminders off or left;
//! 2. queues the reminders due now under dedupe keys that every replica
//!    computes alike, so a reminder is queued once however many replicas run;
//! 3. sends what is due: claims a mail with a lease, sends it, marks it sent;
//!    on failure records the error and tries again later (1 minute, doubling
//!    to at most an hour).
//!
//! What remains is the at-least-once window every SMTP client has: if the
//! process dies (or loses the database) after the mail server accepted a mail
//! and before it is marked sent, the lease runs out and the mail goes again,
//! under the same Message-ID, so mail clients that collapse duplicates show it
//! once. Nothing closes that window short of the server taking part in a
//! two-phase commit, which SMTP has no way to do.

use std::time::Duration as StdDuration;

use chrono::Duration;
use chrono_tz::Tz;
use foothold_domain::notice::{self, Notice};
use foothold_domain::reminder;
use foothold_store::{NewMail, OutboxMail, Person, Recipient, Store, StoreError, Timestamp};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use tokio::sync::watch;

use crate::conversations::display_when;

/// How long a claimed mail is left to its worker before another may take it
/// over. Far longer than one send can take (see [`SmtpSettings::timeout`]).
pub const LEASE: Duration = Duration::minutes(10);
/// Time between ticks.
pub const TICK: StdDuration = StdDuration::from_secs(60);
/// Unsent mails older than this are given up on.
pub const GIVE_UP_AFTER: Duration = Duration::days(7);
/// Sent and abandoned mails are kept this long: longer than any reminder can
/// stay due, so that its dedupe key keeps it from being queued again.
pub const KEEP_FINISHED: Duration = Duration::days(60);
/// Most mails one tick tries to send.
const BATCH: u64 = 100;

/// How the connection to the mail server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine (port 25).
    None,
}

impl SmtpTls {
    /// The usual port for this mode.
    pub fn default_port(self) -> u16 {
        match self {
            SmtpTls::StartTls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        }
    }
}

/// Where and how to send mail.
#[derive(Clone)]
pub struct SmtpSettings {
    /// Mail server host name (also the name its certificate must carry).
    pub host: String,
    /// Port; the mode's usual one when `None`.
    pub port: Option<u16>,
    /// Connection security.
    pub tls: SmtpTls,
    /// User name and password, when the server wants them.
    pub credentials: Option<(String, String)>,
    /// The From address, e.g. `Foothold <foothold@example.org>`.
    pub from: String,
    /// Longest wait for the server at each step.
    pub timeout: StdDuration,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("user", &self.credentials.as_ref().map(|(u, _)| u))
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// Sends outbox mails through one SMTP server, and knows the links and the
/// Message-ID domain reminders use.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    base_url: url::Url,
    worker: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from.to_string()).field("worker", &self.worker).finish()
    }
}

/// What one tick did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tick {
    /// Reminders newly queued.
    pub queued: usize,
    /// Mails the server accepted.
    pub sent: usize,
    /// Attempts that failed (to be tried again).
    pub failed: usize,
    /// Mails given up on: a week old, or their recipient no longer wants mail.
    pub abandoned: u64,
}

/// The wait before the next attempt after `attempts` tries: one minute,
/// doubling, at most an hour.
pub fn retry_delay(attempts: i32) -> Duration {
    let doublings = attempts.clamp(1, 7) - 1;
    Duration::minutes(1 << doublings).min(Duration::hours(1))
}

impl Mailer {
    /// A mailer for these settings; links in mails start with `base_url`.
    /// Connects to nothing yet.
    pub fn new(settings: &SmtpSettings, base_url: url::Url) -> Result<Mailer, String> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| format!("the SMTP from address '{}' is not valid: {e}", settings.from))?;
        let builder = match settings.tls {
            SmtpTls::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host),
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host),
            SmtpTls::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)),
        }
        .map_err(|e| format!("cannot use the mail server {}: {e}", settings.host))?;
        let mut builder = builder
            .port(settings.port.unwrap_or(settings.tls.default_port()))
            .timeout(Some(settings.timeout))
            // Greet with our own name, not "localhost": some servers check it.
            .hello_name(ClientId::Domain(base_url.host_str().unwrap_or("localhost").to_owned()));
        if let Some((user, password)) = &settings.credentials {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let (_, random) = foothold_store::secret::new_token();
        Ok(Mailer {
            transport: builder.build(),
            from,
            base_url,
            worker: format!("{}-{}", std::process::id(), &random[..8]),
        })
    }

    /// This worker's name in claims.
    pub fn worker_id(&self) -> &str {
        &self.worker
    }

    /// An absolute link to a path.
    fn link(&self, path: &str) -> String {
        format!("{}{path}", self.base_url.as_str().trim_end_matches('/'))
    }

    /// The same Message-ID for a dedupe key on every replica and attempt.
    fn message_id(&self, dedupe_key: &str) -> String {
        message_id(&self.base_url, dedupe_key)
    }

    /// Sends one mail; the error says what went wrong.
    async fn deliver(&self, mail: &OutboxMail) -> Result<(), Failure> {
        let to: Mailbox = mail
            .recipient
            .parse()
            .map_err(|e| Failure::Message(format!("the recipient '{}' is not valid: {e}", mail.recipient)))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(mail.message_id.clone()))
            // RFC 3834: no out-of-office replies to reminders, please.
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Auto-Submitted"), "auto-generated".into()))
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| Failure::Message(format!("cannot build the mail: {e}")))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            // The server answered about this mail: other mails may still go.
            Err(e) if e.is_transient() || e.is_permanent() => {
                Err(Failure::Message(format!("the mail server refused: {e}")))
            }
            // Unreachable, TLS, timeout: the rest of the batch waits for the next tick.
            Err(e) => Err(Failure::Server(format!("cannot reach the mail server: {}", error_chain(&e)))),
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

/// Why a send failed.
enum Failure {
    /// This mail could not go.
    Message(String),
    /// No mail can go now.
    Server(String),
}

/// The same Message-ID for a dedupe key on every replica and attempt.
fn message_id(base_url: &url::Url, dedupe_key: &str) -> String {
    let host = base_url.host_str().unwrap_or("foothold.invalid");
    format!("<{}@{host}>", &foothold_store::secret::hash_token(dedupe_key)[..32])
}

/// A recipient as a `To` value, quoted as needed.
fn mailbox(name: &str, email: &str) -> Option<String> {
    let address = email.parse().ok()?;
    Some(Mailbox::new(Some(name.to_owned()), address).to_string())
}

fn mailbox_of(r: &Recipient) -> Option<String> {
    mailbox(&r.name, &r.email)
}

/// Queues a security notice to `person` (see [`notice`]) when this Foothold
/// sends mail; true if one was queued. `by` names who acted and `detail` is
/// what [`notice::mail`] says it is. The worker sends it like any mail,
/// whatever the person's reminder setting.
///
/// Called once the change is saved, it never fails the request: a password
/// changed or a token made must still be answered (the token's secret is
/// shown only then), so a notice that cannot be queued is logged instead.
pub async fn queue_notice(state: &crate::AppState, person: &Person, what: Notice, by: &str, detail: &str) -> bool {
    match enqueue_notice(state, person, what, by, detail).await {
        Ok(queued) => queued,
        Err(e) => {
            tracing::error!(error = %e, person = person.id, notice = what.as_str(), "security notice not queued");
            false
        }
    }
}

/// Tells a person who has a password that `by` made a link that sets a new
/// one (see [`Notice::ResetLinkIssued`]); a first invitation replaces nothing
/// and tells nobody. True if a notice was queued.
pub async fn notice_reset_link(state: &crate::AppState, by: &str, person: &Person) -> bool {
    let days = crate::pages::INVITE_DAYS.to_string();
    person.has_password && queue_notice(state, person, Notice::ResetLinkIssued, by, &days).await
}

/// Tells the old address when a change to a person moved their e-mail (see
/// [`Notice::EmailChanged`]); `by` is who made the change.
pub async fn notice_person_changed(state: &crate::AppState, by: &str, before: &Person, after: &Person) {
    if before.email != after.email {
        queue_notice(state, before, Notice::EmailChanged, by, &after.email).await;
    }
}

async fn enqueue_notice(
    state: &crate::AppState,
    person: &Person,
    what: Notice,
    by: &str,
    detail: &str,
) -> Result<bool, StoreError> {
    let config = state.config();
    let Some(recipient) = mailbox(&person.name, &person.email).filter(|_| config.email_delivery) else {
        return Ok(false);
    };
    let at = foothold_store::now();
    let key = notice::key(what, person.id, at);
    let text = notice::mail(what, &person.name, by, &display_when(at, "UTC"), detail, &config.link("/profile"));
    let mail = NewMail {
        message_id: message_id(&config.base_url, &key),
        dedupe_key: key,
        person_id: Some(person.id),
        recipient,
        subject: text.subject,
        body: text.body,
    };
    state.store().enqueue_mail(&mail, at).await
}

fn mail(mailer: &Mailer, key: String, r: &Recipient, m: reminder::Mail) -> Option<NewMail> {
    Some(NewMail {
        message_id: mailer.message_id(&key),
        dedupe_key: key,
        person_id: Some(r.id),
        recipient: mailbox_of(r)?,
        subject: m.subject,
        body: m.body,
    })
}

/// The reminders due at `now`, as mails to queue.
async fn due_reminders(store: &Store, mailer: &Mailer, now: Timestamp) -> Result<Vec<NewMail>, StoreError> {
    let mut out = Vec::new();
    let profile = mailer.link("/profile");
    let soon = now + Duration::days(reminder::PREPARE_DAYS_BEFORE);
    for c in store.conversations_starting(now, soon).await? {
        if !c.report.wants_mail || !reminder::prepare_due(now, c.scheduled_at) {
            continue;
        }
        let key = reminder::prepare_key(c.id, c.scheduled_at, c.report.id);
        let text = reminder::prepare_mail(
            &c.report.name,
            &c.leader_name,
            &display_when(c.scheduled_at, &c.time_zone),
            &mailer.link(&format!("/conversations/{}", c.id)),
            &profile,
        );
        out.extend(mail(mailer, key, &c.report, text));
    }
    // A day of margin either side: "today" depends on each plan's zone.
    let today = now.date_naive();
    let from = today - Duration::days(reminder::OVERDUE_WITHIN_DAYS + 1);
    let to = today + Duration::days(reminder::CHECKIN_DAYS_BEFORE + 1);
    for c in store.open_checkins_due(from, to).await? {
        let tz: Tz = c.time_zone.parse().unwrap_or(Tz::UTC);
        let Some(kind) = reminder::checkin_reminder(now.with_timezone(&tz).date_naive(), c.due_on) else {
            continue;
        };
        let link = mailer.link(&format!("/plans/{}", c.plan_id));
        let mut recipients = vec![(&c.member, true)];
        if c.leader.id != c.member.id {
            recipients.push((&c.leader, false));
        }
        for (r, to_member) in recipients {
            if !r.wants_mail {
                continue;
            }
            let text = reminder::checkin_mail(&reminder::Checkin {
                kind,
                recipient: &r.name,
                member: &c.member.name,
                to_member,
                number: c.number,
                due_on: c.due_on,
                link: &link,
                profile_link: &profile,
            });
            out.extend(mail(mailer, reminder::checkin_key(kind, c.id, c.due_on, r.id), r, text));
        }
    }
    Ok(out)
}

/// Queues the reminders due at `now` that are not queued yet; returns how many.
pub async fn schedule_reminders(store: &Store, mailer: &Mailer, now: Timestamp) -> Result<usize, StoreError> {
    let due = due_reminders(store, mailer, now).await?;
    let keys: Vec<String> = due.iter().map(|m| m.dedupe_key.clone()).collect();
    let queued = store.queued_keys(&keys).await?;
    let mut n = 0;
    for m in due.iter().filter(|m| !queued.contains(&m.dedupe_key)) {
        // Another replica may queue the same one meanwhile: the key keeps it single.
        if store.enqueue_mail(m, now).await? {
            n += 1;
        }
    }
    Ok(n)
}

/// Sends what is due, stopping between mails when `stop` turns true.
async fn send_due(
    store: &Store,
    mailer: &Mailer,
    now: Timestamp,
    stop: Option<&watch::Receiver<bool>>,
) -> Result<(usize, usize), StoreError> {
    let (mut sent, mut failed) = (0, 0);
    for id in store.due_mail(now, BATCH).await? {
        if stop.is_some_and(|s| *s.borrow()) {
            break;
        }
        let Some(mail) = store.claim_mail(id, &mailer.worker, now, LEASE).await? else {
            // Sent or claimed by another worker since we looked.
            continue;
        };
        match mailer.deliver(&mail).await {
            Ok(()) => {
                store.mark_mail_sent(id, now).await?;
                sent += 1;
            }
            Err(Failure::Message(e)) => {
                tracing::warn!(mail = id, attempts = mail.attempts, error = %e, "mail not sent; will retry");
                store.mark_mail_failed(id, &e, now + retry_delay(mail.attempts)).await?;
                failed += 1;
            }
            Err(Failure::Server(e)) => {
                tracing::warn!(mail = id, attempts = mail.attempts, error = %e, "mail server unavailable; will retry");
                store.mark_mail_failed(id, &e, now + retry_delay(mail.attempts)).await?;
                failed += 1;
                break;
            }
        }
    }
    Ok((sent, failed))
}

/// One tick of the worker at the moment `now` (a parameter, so tests can
/// move the clock): give up on stale mails, queue due reminders, send.
pub async fn run_once(store: &Store, mailer: &Mailer, now: Timestamp) -> Result<Tick, StoreError> {
    tick(store, mailer, now, None).await
}

async fn tick(
    store: &Store,
    mailer: &Mailer,
    now: Timestamp,
    stop: Option<&watch::Receiver<bool>>,
) -> Result<Tick, StoreError> {
    let stale = store.abandon_mail(now - GIVE_UP_AFTER, now).await?;
    if stale > 0 {
        tracing::warn!(abandoned = stale, "gave up on mails unsent for a week");
    }
    // Turning reminders off stops the ones already queued too.
    let unwanted = store.withdraw_unwanted_mail(now).await?;
    let abandoned = stale + unwanted;
    let queued = schedule_reminders(store, mailer, now).await?;
    let (sent, failed) = send_due(store, mailer, now, stop).await?;
    Ok(Tick { queued, sent, failed, abandoned })
}

/// The worker: a tick about every minute until `stop` turns true. A mail
/// being sent when it does is finished (or fails) first.
pub async fn run(store: Store, mailer: Mailer, mut stop: watch::Receiver<bool>) {
    tracing::info!(worker = mailer.worker_id(), "mail worker started");
    let mut last_prune: Option<Timestamp> = None;
    loop {
        if *stop.borrow() {
            break;
        }
        let now = foothold_store::now();
        match tick(&store, &mailer, now, Some(&stop)).await {
            Ok(t) if t.queued + t.sent + t.failed > 0 => {
                tracing::info!(queued = t.queued, sent = t.sent, failed = t.failed, "mail worker tick");
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "mail worker tick failed"),
        }
        if last_prune.is_none_or(|t| now - t > Duration::hours(1)) {
            last_prune = Some(now);
            match store.prune_mail(now - KEEP_FINISHED).await {
                Ok(n) if n > 0 => tracing::info!(deleted = n, "old outbox mails deleted"),
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "outbox pruning failed"),
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(TICK) => {}
            _ = stop.changed() => {}
        }
    }
    tracing::info!("mail worker stopped");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_a_minute_to_an_hour() {
        let mins: Vec<i64> = (0..10).map(|a| retry_delay(a).num_minutes()).collect();
        assert_eq!(mins, [1, 1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }

    #[test]
    fn recipients_with_awkward_names_survive_the_round_trip() {
        let r = Recipient { id: 1, name: "Lee, \"Kim\" Ø".into(), email: "kim@example.org".into(), wants_mail: true };
        let text = mailbox_of(&r).expect("a mailbox");
        let back: Mailbox = text.parse().expect("parses back");
        assert_eq!(back.email.to_string(), "kim@example.org");
        assert_eq!(back.name.as_deref(), Some("Lee, \"Kim\" Ø"));
        let bad = Recipient { email: "not an address".into(), ..r };
        assert!(mailbox_of(&bad).is_none());
    }

    #[test]
    fn message_ids_are_stable_per_key() {
        let settings = SmtpSettings {
            host: "127.0.0.1".into(),
            port: Some(2525),
            tls: SmtpTls::None,
            credentials: None,
            from: "Foothold <foothold@example.org>".into(),
            timeout: StdDuration::from_secs(5),
        };
        let base = url::Url::parse("https://foothold.example.org").expect("url");
        let a = Mailer::new(&settings, base.clone()).expect("mailer");
        let b = Mailer::new(&settings, base).expect("mailer");
        assert_ne!(a.worker_id(), b.worker_id());
        assert_eq!(a.message_id("k"), b.message_id("k"));
        assert_ne!(a.message_id("k"), a.message_id("l"));
        assert!(a.message_id("k").ends_with("@foothold.example.org>"));
        let bad = SmtpSettings { from: "nobody".into(), ..settings };
        assert!(Mailer::new(&bad, url::Url::parse("http://x").expect("url")).is_err());
    }
}
