//! Email reminders: when each falls due, the key that makes it unique, and
//! what it says. Pure rules; the store finds candidates and the outbox sends.

use chrono::{DateTime, Duration, NaiveDate, Utc};

/// The invitation to prepare goes this long before a conversation.
pub const PREPARE_DAYS_BEFORE: i64 = 3;
/// A check-in reminder goes this many days before its date.
pub const CHECKIN_DAYS_BEFORE: i64 = 7;
/// An overdue check-in is mentioned once, from the day after its date and at
/// most this many days after it (someone who turns reminders on later is not
/// told about check-ins long past).
pub const OVERDUE_WITHIN_DAYS: i64 = 7;

/// What a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// To the report: the conversation is near, time to prepare reflections.
    Prepare,
    /// To the member and the plan's leader: a quarterly check-in is coming.
    CheckinDue,
    /// To both: a check-in's date has passed without it being completed.
    CheckinOverdue,
}

impl Kind {
    /// The name used in dedupe keys and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Prepare => "prepare",
            Kind::CheckinDue => "checkin-due",
            Kind::CheckinOverdue => "checkin-overdue",
        }
    }
}

/// Whether the invitation to prepare is due at `now` for a conversation at
/// `scheduled_at`: from three days before until it starts.
pub fn prepare_due(now: DateTime<Utc>, scheduled_at: DateTime<Utc>) -> bool {
    now < scheduled_at && now >= scheduled_at - Duration::days(PREPARE_DAYS_BEFORE)
}

/// Which reminder, if any, an uncompleted check-in due on `due_on` calls for
/// on `today` (the date in the plan's time zone).
pub fn checkin_reminder(today: NaiveDate, due_on: NaiveDate) -> Option<Kind> {
    let days_left = (due_on - today).num_days();
    if (0..=CHECKIN_DAYS_BEFORE).contains(&days_left) {
        Some(Kind::CheckinDue)
    } else if (-OVERDUE_WITHIN_DAYS..=-1).contains(&days_left) {
        Some(Kind::CheckinOverdue)
    } else {
        None
    }
}

/// The outbox key of an invitation to prepare. The time is part of it, so a
/// rescheduled conversation brings a new invitation, while every replica that
/// computes the same reminder computes the same key and it is queued once.
pub fn prepare_key(conversation_id: i64, scheduled_at: DateTime<Utc>, person_id: i64) -> String {
    format!("{}:conversation-{conversation_id}:{}:person-{person_id}", Kind::Prepare.as_str(), scheduled_at.timestamp())
}

/// The outbox key of a check-in reminder; the date is part of it, so a moved
/// check-in reminds again.
pub fn checkin_key(kind: Kind, checkin_id: i64, due_on: NaiveDate, person_id: i64) -> String {
    format!("{}:checkin-{checkin_id}:{due_on}:person-{person_id}", kind.as_str())
}

/// A plain-text mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// One line.
    pub subject: String,
    /// Plain text, lines ending in `\n`.
    pub body: String,
}

/// Names can hold anything a person typed; a subject is one line.
pub(crate) fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>().trim().to_owned()
}

const SIGNATURE: &str =
    "-- \nFoothold. You get these reminders because they are on in your profile;\nturn them off there: ";

/// The invitation to prepare for a conversation.
pub fn prepare_mail(report: &str, leader: &str, when: &str, link: &str, profile_link: &str) -> Mail {
    Mail {
        subject: one_line(&format!("Prepare for your career conversation with {leader}")),
        body: format!(
            "Hello {report},\n\n\
             Your career conversation with {leader} is on {when}.\n\n\
             Take some time before it to reflect on the questions: what you did,\n\
             what you enjoy now, and where you would like to go. Your answers stay\n\
             private until you share them.\n\n\
             Prepare here: {link}\n\n\
             {SIGNATURE}{profile_link}\n",
            report = one_line(report),
            leader = one_line(leader),
        ),
    }
}

/// What a check-in reminder says.
#[derive(Debug, Clone)]
pub struct Checkin<'a> {
    /// Due soon or overdue.
    pub kind: Kind,
    /// Whom the mail addresses.
    pub recipient: &'a str,
    /// Whose plan it is.
    pub member: &'a str,
    /// Whether the recipient is the member (else their leader).
    pub to_member: bool,
    /// Which check-in, 1 to 4.
    pub number: i32,
    /// Its date.
    pub due_on: NaiveDate,
    /// The plan's page.
    pub link: &'a str,
    /// The profile page, where reminders are turned off.
    pub profile_link: &'a str,
}

/// A check-in reminder, due soon or overdue, to the member or to the leader.
pub fn checkin_mail(c: &Checkin<'_>) -> Mail {
    let whose =
        if c.to_member { "your growth plan".to_owned() } else { format!("{}'s growth plan", one_line(c.member)) };
    let date = c.due_on.format("%a %-d %b %Y");
    let number = c.number;
    let (subject, lead) = match c.kind {
        Kind::CheckinOverdue => (
            format!("Check-in {number} of {whose} is overdue"),
            format!("Check-in {number} of {whose} was due on {date} and has not been completed yet."),
        ),
        _ => (
            format!("Check-in {number} of {whose} is due on {date}"),
            format!("Check-in {number} of {whose} is due on {date}."),
        ),
    };
    Mail {
        subject: one_line(&subject),
        body: format!(
            "Hello {recipient},\n\n\
             {lead}\n\n\
             Look at the steps together: what moved, what changed, what to keep\n\
             or drop for the next quarter.\n\n\
             Open the plan: {link}\n\n\
             {SIGNATURE}{profile_link}\n",
            recipient = one_line(c.recipient),
            link = c.link,
            profile_link = c.profile_link,
        ),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2027, 3, d, h, 0, 0).single().expect("time")
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, m, d).expect("date")
    }

    #[test]
    fn prepare_is_due_from_three_days_before_until_the_start() {
        let meeting = at(10, 9);
        assert!(!prepare_due(at(7, 8), meeting), "more than three days before");
        assert!(prepare_due(at(7, 9), meeting), "exactly three days before");
        assert!(prepare_due(at(10, 8), meeting), "an hour before");
        assert!(!prepare_due(at(10, 9), meeting), "once it starts, too late");
        assert!(!prepare_due(at(11, 9), meeting));
    }

    #[test]
    fn checkin_reminders_by_date() {
        let due = day(3, 31);
        assert_eq!(checkin_reminder(day(3, 23), due), None, "eight days before");
        assert_eq!(checkin_reminder(day(3, 24), due), Some(Kind::CheckinDue), "seven days before");
        assert_eq!(checkin_reminder(day(3, 31), due), Some(Kind::CheckinDue), "on the day");
        assert_eq!(checkin_reminder(day(4, 1), due), Some(Kind::CheckinOverdue), "the day after");
        assert_eq!(checkin_reminder(day(4, 7), due), Some(Kind::CheckinOverdue));
        assert_eq!(checkin_reminder(day(4, 8), due), None, "long past: not mentioned");
    }

    #[test]
    fn keys_change_with_the_time_and_the_person() {
        let a = prepare_key(7, at(10, 9), 3);
        assert_eq!(a, prepare_key(7, at(10, 9), 3), "the same reminder has the same key everywhere");
        assert_ne!(a, prepare_key(7, at(11, 9), 3), "a reschedule reminds again");
        assert_ne!(a, prepare_key(7, at(10, 9), 4));
        let due = checkin_key(Kind::CheckinDue, 5, day(3, 31), 3);
        assert_ne!(due, checkin_key(Kind::CheckinOverdue, 5, day(3, 31), 3));
        assert_ne!(due, checkin_key(Kind::CheckinDue, 5, day(4, 30), 3));
        assert_eq!(due, "checkin-due:checkin-5:2027-03-31:person-3");
    }

    #[test]
    fn mails_name_the_people_and_link_the_page() {
        let m = prepare_mail(
            "Kim",
            "Lee\nBcc: x@evil.example",
            "Wed 10 Mar 2027, 10:00 (Europe/Berlin)",
            "https://f.example/conversations/7",
            "https://f.example/profile",
        );
        assert_eq!(m.subject, "Prepare for your career conversation with Lee Bcc: x@evil.example");
        assert!(!m.subject.contains('\n'));
        assert!(m.body.contains("Prepare here: https://f.example/conversations/7\n"), "{}", m.body);
        assert!(m.body.contains("Hello Kim,"));
        let mut checkin = Checkin {
            kind: Kind::CheckinDue,
            recipient: "Lee",
            member: "Kim",
            to_member: false,
            number: 2,
            due_on: day(3, 31),
            link: "https://f.example/plans/4",
            profile_link: "https://f.example/profile",
        };
        let c = checkin_mail(&checkin);
        assert_eq!(c.subject, "Check-in 2 of Kim's growth plan is due on Wed 31 Mar 2027");
        assert!(c.body.contains("https://f.example/plans/4"));
        checkin.kind = Kind::CheckinOverdue;
        checkin.to_member = true;
        checkin.recipient = "Kim";
        let o = checkin_mail(&checkin);
        assert_eq!(o.subject, "Check-in 2 of your growth plan is overdue");
    }
}
