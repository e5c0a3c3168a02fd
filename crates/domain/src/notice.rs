//! Security notices: mails telling a person that a way into their account
//! changed (ASVS 2.5.5), so that a change they did not make does not go
//! unnoticed, an admin's reset link included. Unlike reminders they go out
//! whatever the person's reminder setting. Pure rules; the web layer queues
//! them in the outbox.

use chrono::{DateTime, Utc};

use crate::reminder::{Mail, one_line};

/// Every notice's dedupe key starts with this, so the outbox can tell
/// notices from reminders.
pub const KEY_PREFIX: &str = "notice:";

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// An admin made a link that sets a new password for someone who has one.
    ResetLinkIssued,
    /// The person's password was replaced through such a link.
    PasswordReset,
    /// The person changed their password on their profile.
    PasswordChanged,
    /// A personal API token was made.
    TokenCreated,
    /// The address the person signs in with, and gets mail at, was changed;
    /// told to the old address, so that an admin cannot first move someone's
    /// mail to an address of their own and then reset the password unseen.
    EmailChanged,
    /// A calendar feed address was made: whoever holds it reads the times
    /// and names of the person's conversations and check-ins.
    FeedCreated,
}

impl Notice {
    /// The name used in dedupe keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Notice::ResetLinkIssued => "reset-link",
            Notice::PasswordReset => "password-reset",
            Notice::PasswordChanged => "password-changed",
            Notice::TokenCreated => "token-created",
            Notice::EmailChanged => "email-changed",
            Notice::FeedCreated => "feed-created",
        }
    }
}

/// One key per event, so that two changes, even in the same second, are two
/// mails.
pub fn key(notice: Notice, person_id: i64, at: DateTime<Utc>) -> String {
    format!("{KEY_PREFIX}{}:person-{person_id}:{}", notice.as_str(), at.timestamp_micros())
}

/// What the notice says to `person`; `by` is who acted (for a reset link or
/// an address change), `when` the moment as the reader should read it,
/// `detail` the token's label, the link's lifetime in days, or the new address.
pub fn mail(notice: Notice, person: &str, by: &str, when: &str, detail: &str, profile_link: &str) -> Mail {
    // Names and labels people typed cannot add lines, or headers, to a mail.
    let (by, when, detail) = (one_line(by), one_line(when), one_line(detail));
    let (subject, what) = match notice {
        Notice::ResetLinkIssued => (
            "A link to set a new Foothold password was made for you".to_owned(),
            format!(
                "{by} made a link that sets a new password for your Foothold\n\
                 account on {when}. It works for {detail} days, once. Your current\n\
                 password keeps working until someone uses the link."
            ),
        ),
        Notice::PasswordReset => (
            "Your Foothold password was replaced".to_owned(),
            format!(
                "Your Foothold password was replaced through a sign-in link on\n\
                 {when}, and every other session of your account was ended."
            ),
        ),
        Notice::PasswordChanged => (
            "Your Foothold password was changed".to_owned(),
            format!(
                "Your Foothold password was changed from your profile on {when},\n\
                 and every other session of your account was ended."
            ),
        ),
        Notice::TokenCreated => (
            format!("A Foothold API token \"{detail}\" was made"),
            format!(
                "An API token labelled \"{detail}\" was made for your Foothold account\n\
                 on {when}. It acts as you until it is revoked."
            ),
        ),
        Notice::EmailChanged => (
            "Your Foothold sign-in address was changed".to_owned(),
            format!(
                "{by} changed the e-mail address of your Foothold account from\n\
                 this one to {detail} on {when}. You now sign in with that address,\n\
                 and Foothold's mails go there."
            ),
        ),
        Notice::FeedCreated => (
            "A Foothold calendar feed address was made".to_owned(),
            format!(
                "A calendar feed address was made for your Foothold account on\n\
                 {when}. Whoever holds it sees the times and names of your\n\
                 conversations and check-ins, until a new one replaces it."
            ),
        ),
    };
    let act = match notice {
        Notice::TokenCreated => "revoke the token on your profile and tell your Foothold administrator",
        Notice::FeedCreated => {
            "make a new address on your profile, or turn the feed off, and tell your Foothold administrator"
        }
        _ => "tell your Foothold administrator at once",
    };
    Mail {
        subject: one_line(&subject),
        body: format!(
            "Hello {person},\n\n{what}\n\n\
             If this was you, or you asked for it, there is nothing to do.\n\
             If not, {act}: {profile_link}\n\n\
             -- \nFoothold. This is a security notice; it is sent whatever your\n\
             reminder settings are.\n",
            person = one_line(person),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn keys_are_per_kind_person_and_moment() {
        let at = Utc.with_ymd_and_hms(2027, 3, 1, 9, 0, 0).single().expect("time");
        let k = key(Notice::ResetLinkIssued, 7, at);
        assert!(k.starts_with(KEY_PREFIX), "{k}");
        assert_eq!(k, "notice:reset-link:person-7:1803891600000000");
        assert_ne!(k, key(Notice::PasswordReset, 7, at));
        assert_ne!(k, key(Notice::ResetLinkIssued, 8, at));
        assert_ne!(k, key(Notice::ResetLinkIssued, 7, at + chrono::Duration::microseconds(1)));
    }

    #[test]
    fn each_notice_says_what_changed_and_what_to_do() {
        let link = "https://f.example/profile";
        let reset = mail(Notice::ResetLinkIssued, "Kim", "Ada Admin", "Mon 1 Mar 2027, 09:00 (UTC)", "7", link);
        assert_eq!(reset.subject, "A link to set a new Foothold password was made for you");
        assert!(reset.body.starts_with("Hello Kim,\n\nAda Admin made a link"), "{}", reset.body);
        assert!(reset.body.contains("It works for 7 days, once."), "{}", reset.body);
        assert!(reset.body.contains("tell your Foothold administrator at once: https://f.example/profile\n"));
        let token = mail(Notice::TokenCreated, "Kim", "", "then", "laptop", link);
        assert_eq!(token.subject, "A Foothold API token \"laptop\" was made");
        assert!(token.body.contains("revoke the token on your profile"), "{}", token.body);
        let moved = mail(Notice::EmailChanged, "Kim", "Ada Admin", "then", "ada@example.org", link);
        assert_eq!(moved.subject, "Your Foothold sign-in address was changed");
        assert!(moved.body.contains("Ada Admin changed the e-mail address"), "{}", moved.body);
        assert!(moved.body.contains("this one to ada@example.org on then."), "{}", moved.body);
        let feed = mail(Notice::FeedCreated, "Kim", "", "then", "", link);
        assert_eq!(feed.subject, "A Foothold calendar feed address was made");
        assert!(feed.body.contains("make a new address on your profile, or turn the feed off"), "{}", feed.body);
        for n in [Notice::PasswordReset, Notice::PasswordChanged] {
            let m = mail(n, "Kim", "", "then", "", link);
            assert!(m.body.contains("every other session of your account was ended"), "{}", m.body);
        }
    }

    #[test]
    fn typed_names_cannot_add_lines_or_headers() {
        let m = mail(
            Notice::TokenCreated,
            "Kim\nBcc: x@evil.example",
            "Ada\r\nSubject: hi",
            "then",
            "label\nBcc: y@evil.example",
            "l",
        );
        assert!(!m.subject.contains('\n') && !m.subject.contains('\r'), "{}", m.subject);
        assert!(m.body.starts_with("Hello Kim Bcc: x@evil.example,\n"), "{}", m.body);
        assert!(!m.body.lines().any(|l| l.starts_with("Bcc:")), "{}", m.body);
        let reset = mail(Notice::ResetLinkIssued, "Kim", "Ada\r\nSubject: hi", "then", "7", "l");
        assert!(!reset.body.lines().any(|l| l.starts_with("Subject:")), "{}", reset.body);
    }
}
