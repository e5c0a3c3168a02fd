//! iCalendar (RFC 5545) text for calendar feeds: a small generator that
//! writes exactly what Foothold needs and nothing it cannot test.
//!
//! Why not the `icalendar` crate: it writes `DTSTART;TZID=…` but no
//! `VTIMEZONE`, which RFC 5545 §3.2.19 requires for every `TZID` used, and
//! Outlook and some CalDAV clients refuse or misplace events without one. The
//! generator below derives each `VTIMEZONE` from the same tz database that
//! scheduled the conversation (chrono-tz), so a calendar shows 10:00 in Berlin
//! as 10:00 in Berlin across daylight-saving changes, and a person who travels
//! still sees the meeting at the right instant.
//!
//! Timed events are written in their own zone with a `VTIMEZONE` made of one
//! observance per offset change in the years the events span (found by
//! scanning the zone's offsets, not by guessing rules), which is exact for
//! those years even where a zone changed its rules. Events in UTC or in a zone
//! Foothold does not know are written in UTC (`…Z`), which is always correct.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

/// Longest content line in octets, without its CRLF (RFC 5545 §3.1).
pub const MAX_LINE_OCTETS: usize = 75;

/// A calendar: a feed of events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// `PRODID`: who made it.
    pub product: String,
    /// What calendar apps call the subscribed calendar.
    pub name: String,
    /// How often clients should fetch it again, in minutes.
    pub refresh_minutes: u32,
    /// The events.
    pub events: Vec<Event>,
}

/// When an event takes place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    /// From one instant to another, shown in a time zone (`None`: UTC).
    Timed {
        /// Start.
        start: DateTime<Utc>,
        /// End (after the start).
        end: DateTime<Utc>,
        /// The zone it was planned in.
        zone: Option<Tz>,
    },
    /// A whole day, as a date without a time.
    AllDay(NaiveDate),
}

/// `STATUS` of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Going ahead.
    Confirmed,
    /// Called off; kept in the feed so that calendars that have it strike it out.
    Cancelled,
}

/// One `VEVENT`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Globally unique and stable across every version of the event.
    pub uid: String,
    /// Revision number: higher when it changed (a reschedule must raise it).
    pub sequence: i64,
    /// When the event was last revised (`DTSTAMP` and `LAST-MODIFIED` in a feed without `METHOD`).
    pub modified: DateTime<Utc>,
    /// When.
    pub when: When,
    /// One line.
    pub summary: String,
    /// Free text; may hold newlines.
    pub description: String,
    /// A link to the event's page.
    pub url: Option<String>,
    /// Going ahead or not.
    pub status: Status,
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and
/// newlines; other control characters, which TEXT may not hold, are dropped.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds one content line (RFC 5545 §3.1): at most 75 octets a line, each
/// continuation starting with a space, never splitting a UTF-8 character.
/// Ends every physical line with CRLF.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / MAX_LINE_OCTETS * 3 + 2);
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > MAX_LINE_OCTETS {
            out.push_str("\r\n ");
            // The leading space counts towards the continuation line's octets.
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
    out
}

fn utc_stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local_stamp(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

/// `+HHMM`, or `+HHMMSS` when the offset has seconds (UTC-OFFSET, §3.3.14).
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 { format!("{sign}{h:02}{m:02}") } else { format!("{sign}{h:02}{m:02}{sec:02}") }
}

/// An offset in force: its total and whether it is daylight-saving time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Observed {
    total: i32,
    dst: bool,
}

fn observed(tz: Tz, at: DateTime<Utc>) -> (Observed, Option<String>) {
    let off = tz.offset_from_utc_datetime(&at.naive_utc());
    let total = off.fix().local_minus_utc();
    let dst = off.dst_offset() != Duration::zero();
    // Abbreviations like "+03" are numbers, not names: leave those out.
    let name = off.abbreviation().filter(|a| a.chars().all(|c| c.is_ascii_alphabetic())).map(str::to_owned);
    (Observed { total, dst }, name)
}

/// One observance of a `VTIMEZONE`: from `onset` (local time before the
/// change) the zone is at `to`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Observance {
    onset: NaiveDateTime,
    from: i32,
    to: Observed,
    name: Option<String>,
}

/// The first instant in `(lo, hi]` whose offset differs from `lo`'s.
fn transition(tz: Tz, lo: DateTime<Utc>, hi: DateTime<Utc>) -> DateTime<Utc> {
    let before = observed(tz, lo).0;
    let (mut lo, mut hi) = (lo, hi);
    while hi - lo > Duration::seconds(1) {
        let mid = lo + (hi - lo) / 2;
        if observed(tz, mid).0 == before { lo = mid } else { hi = mid }
    }
    hi
}

/// The observances of `tz` from 1 January of `first_year` to the end of
/// `last_year` (local time): the offset in force at the start, then every change.
fn observances(tz: Tz, first_year: i32, last_year: i32) -> Vec<Observance> {
    // A day either side: local New Year's Eve in Sydney is still the old year in UTC.
    let start = Utc.with_ymd_and_hms(first_year, 1, 1, 0, 0, 0).single().unwrap_or_default() - Duration::days(1);
    let end = Utc.with_ymd_and_hms(last_year + 1, 1, 1, 0, 0, 0).single().unwrap_or(start) + Duration::days(1);
    let (first, name) = observed(tz, start);
    let mut out = vec![Observance {
        onset: start.naive_utc() + Duration::seconds(i64::from(first.total)),
        from: first.total,
        to: first,
        name,
    }];
    // Zones change offset at most a few times a year and never twice in a
    // day, so comparing each day with the next finds every change.
    let step = Duration::hours(24);
    let mut t = start;
    let mut current = first;
    while t < end {
        let next = (t + step).min(end);
        let (seen, _) = observed(tz, next);
        if seen != current {
            let at = transition(tz, t, next);
            let (to, name) = observed(tz, at);
            out.push(Observance {
                onset: at.naive_utc() + Duration::seconds(i64::from(current.total)),
                from: current.total,
                to,
                name,
            });
            current = to;
            // Look again from the change: another could follow within the step.
            t = at;
            continue;
        }
        t = next;
    }
    out
}

/// The `VTIMEZONE` component for `tz` covering `first_year..=last_year`.
pub fn vtimezone(tz: Tz, first_year: i32, last_year: i32) -> String {
    let mut out = String::new();
    out.push_str(&fold("BEGIN:VTIMEZONE"));
    out.push_str(&fold(&format!("TZID:{}", tz.name())));
    for o in observances(tz, first_year, last_year) {
        let kind = if o.to.dst { "DAYLIGHT" } else { "STANDARD" };
        out.push_str(&fold(&format!("BEGIN:{kind}")));
        out.push_str(&fold(&format!("DTSTART:{}", local_stamp(o.onset))));
        out.push_str(&fold(&format!("TZOFFSETFROM:{}", utc_offset(o.from))));
        out.push_str(&fold(&format!("TZOFFSETTO:{}", utc_offset(o.to.total))));
        if let Some(name) = &o.name {
            out.push_str(&fold(&format!("TZNAME:{}", escape_text(name))));
        }
        out.push_str(&fold(&format!("END:{kind}")));
    }
    out.push_str(&fold("END:VTIMEZONE"));
    out
}

fn zoned(t: DateTime<Utc>, tz: Tz) -> NaiveDateTime {
    t.with_timezone(&tz).naive_local()
}

/// The zone an event is written in, when not UTC.
fn zone_of(when: &When) -> Option<Tz> {
    match when {
        When::Timed { zone: Some(tz), .. } if *tz != Tz::UTC && *tz != Tz::Etc__UTC => Some(*tz),
        _ => None,
    }
}

impl Event {
    fn write(&self, out: &mut String) {
        let line = |out: &mut String, l: String| out.push_str(&fold(&l));
        line(out, "BEGIN:VEVENT".into());
        line(out, format!("UID:{}", escape_text(&self.uid)));
        line(out, format!("DTSTAMP:{}", utc_stamp(self.modified)));
        line(out, format!("LAST-MODIFIED:{}", utc_stamp(self.modified)));
        line(out, format!("SEQUENCE:{}", self.sequence.max(0)));
        match (&self.when, zone_of(&self.when)) {
            (When::Timed { start, end, .. }, Some(tz)) => {
                line(out, format!("DTSTART;TZID={}:{}", tz.name(), local_stamp(zoned(*start, tz))));
                line(out, format!("DTEND;TZID={}:{}", tz.name(), local_stamp(zoned(*end, tz))));
            }
            (When::Timed { start, end, .. }, None) => {
                line(out, format!("DTSTART:{}", utc_stamp(*start)));
                line(out, format!("DTEND:{}", utc_stamp(*end)));
            }
            (When::AllDay(day), _) => {
                line(out, format!("DTSTART;VALUE=DATE:{}", day.format("%Y%m%d")));
                let next = day.succ_opt().unwrap_or(*day);
                line(out, format!("DTEND;VALUE=DATE:{}", next.format("%Y%m%d")));
            }
        }
        line(out, format!("SUMMARY:{}", escape_text(&self.summary)));
        if !self.description.is_empty() {
            line(out, format!("DESCRIPTION:{}", escape_text(&self.description)));
        }
        if let Some(url) = &self.url {
            // A URI value, not TEXT: written as it is (links have no line breaks).
            line(out, format!("URL:{}", url.replace(['\r', '\n'], "")));
        }
        let status = match self.status {
            Status::Confirmed => "CONFIRMED",
            Status::Cancelled => "CANCELLED",
        };
        line(out, format!("STATUS:{status}"));
        // Check-ins are reminders, not time blocked out; meetings block time.
        let transp = if matches!(self.when, When::AllDay(_)) { "TRANSPARENT" } else { "OPAQUE" };
        line(out, format!("TRANSP:{transp}"));
        line(out, "END:VEVENT".into());
    }
}

impl Calendar {
    /// The calendar as iCalendar text (CRLF line ends, folded lines).
    pub fn to_ics(&self) -> String {
        let mut out = String::new();
        let line = |out: &mut String, l: String| out.push_str(&fold(&l));
        line(&mut out, "BEGIN:VCALENDAR".into());
        line(&mut out, "VERSION:2.0".into());
        line(&mut out, format!("PRODID:{}", escape_text(&self.product)));
        line(&mut out, "CALSCALE:GREGORIAN".into());
        line(&mut out, format!("NAME:{}", escape_text(&self.name)));
        line(&mut out, format!("X-WR-CALNAME:{}", escape_text(&self.name)));
        line(&mut out, format!("REFRESH-INTERVAL;VALUE=DURATION:PT{}M", self.refresh_minutes.max(1)));
        line(&mut out, format!("X-PUBLISHED-TTL:PT{}M", self.refresh_minutes.max(1)));
        // Each zone used, covering the years of its events (a year either side
        // keeps the observance in force before the first event in the component).
        let mut zones: BTreeMap<&'static str, (Tz, i32, i32)> = BTreeMap::new();
        for e in &self.events {
            if let (Some(tz), When::Timed { start, end, .. }) = (zone_of(&e.when), &e.when) {
                let (a, b) = (zoned(*start, tz).year(), zoned(*end, tz).year());
                let entry = zones.entry(tz.name()).or_insert((tz, a, b));
                entry.1 = entry.1.min(a);
                entry.2 = entry.2.max(b);
            }
        }
        for (tz, first, last) in zones.values() {
            out.push_str(&vtimezone(*tz, *first, *last));
        }
        for e in &self.events {
            e.write(&mut out);
        }
        line(&mut out, "END:VCALENDAR".into());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).single().expect("a valid time")
    }

    fn offset_at(tz: Tz, at: DateTime<Utc>) -> chrono::FixedOffset {
        tz.offset_from_utc_datetime(&at.naive_utc()).fix()
    }

    fn lines(ics: &str) -> Vec<&str> {
        ics.split("\r\n").filter(|l| !l.is_empty()).collect()
    }

    /// Undoes folding, as a parser would.
    fn unfold(ics: &str) -> String {
        ics.replace("\r\n ", "")
    }

    #[test]
    fn escaping_covers_the_four_specials_and_newlines() {
        assert_eq!(escape_text(r"a\b;c,d"), r"a\\b\;c\,d");
        assert_eq!(escape_text("one\ntwo\r\nthree\rfour"), r"one\ntwo\nthree\nfour");
        assert_eq!(escape_text("bell\u{7}tab\t"), "belltab\t");
        assert_eq!(escape_text("Zoë: ünïcode"), "Zoë: ünïcode", "colons and non-ASCII stay");
    }

    #[test]
    fn short_lines_are_not_folded() {
        assert_eq!(fold("SUMMARY:hi"), "SUMMARY:hi\r\n");
        let exact = "X".repeat(75);
        assert_eq!(fold(&exact), format!("{exact}\r\n"));
    }

    #[test]
    fn long_lines_fold_at_75_octets() {
        let long = format!("DESCRIPTION:{}", "a".repeat(200));
        let folded = fold(&long);
        for l in lines(&folded) {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
        }
        assert!(lines(&folded)[1..].iter().all(|l| l.starts_with(' ')));
        assert_eq!(lines(&folded)[0].len(), 75);
        assert_eq!(unfold(&folded), format!("{long}\r\n"));
    }

    #[test]
    fn folding_never_splits_a_character() {
        // "é" is two octets, "😀" four: fold where a whole one no longer fits.
        for filler in ["é", "😀", "aé", "a😀"] {
            let long = format!("SUMMARY:{}", filler.repeat(80));
            let folded = fold(&long);
            for l in lines(&folded) {
                assert!(l.len() <= 75, "{} octets", l.len());
                assert!(std::str::from_utf8(l.as_bytes()).is_ok());
            }
            assert_eq!(unfold(&folded), format!("{long}\r\n"));
        }
    }

    #[test]
    fn offsets_are_written_with_sign_and_seconds_when_needed() {
        assert_eq!(utc_offset(3600), "+0100");
        assert_eq!(utc_offset(-12600), "-0330");
        assert_eq!(utc_offset(0), "+0000");
        assert_eq!(utc_offset(20 * 60 + 4), "+002004");
    }

    #[test]
    fn berlin_has_two_changes_a_year_at_the_right_local_times() {
        let obs = observances(chrono_tz::Europe::Berlin, 2027, 2027);
        assert_eq!(obs.len(), 3, "{obs:?}");
        assert_eq!(obs[0].to, Observed { total: 3600, dst: false });
        // 28 March 2027, 02:00 CET becomes 03:00 CEST.
        assert_eq!(local_stamp(obs[1].onset), "20270328T020000");
        assert_eq!((obs[1].from, obs[1].to.total, obs[1].to.dst), (3600, 7200, true));
        assert_eq!(obs[1].name.as_deref(), Some("CEST"));
        // 31 October 2027, 03:00 CEST becomes 02:00 CET.
        assert_eq!(local_stamp(obs[2].onset), "20271031T030000");
        assert_eq!((obs[2].from, obs[2].to.total, obs[2].to.dst), (7200, 3600, false));
    }

    #[test]
    fn southern_and_fixed_zones() {
        let sydney = observances(chrono_tz::Australia::Sydney, 2027, 2027);
        assert_eq!(sydney.len(), 3);
        assert!(sydney[0].to.dst, "January is summer in Sydney");
        let tokyo = observances(chrono_tz::Asia::Tokyo, 2026, 2028);
        assert_eq!(tokyo.len(), 1, "no changes: one observance");
        assert_eq!(tokyo[0].to.total, 9 * 3600);
        let kolkata = vtimezone(chrono_tz::Asia::Kolkata, 2027, 2027);
        assert!(kolkata.contains("TZOFFSETTO:+0530"), "{kolkata}");
    }

    #[test]
    fn the_first_observance_starts_before_a_new_year_event() {
        let tz = chrono_tz::Australia::Sydney;
        let local = NaiveDate::from_ymd_opt(2028, 1, 1).and_then(|d| d.and_hms_opt(0, 30, 0)).expect("time");
        let obs = observances(tz, 2028, 2028);
        assert!(obs[0].onset <= local, "{:?} after {local}", obs[0].onset);
    }

    #[test]
    fn observances_match_the_zone_at_every_change() {
        for tz in [chrono_tz::America::New_York, chrono_tz::Europe::London, chrono_tz::America::Santiago] {
            let obs = observances(tz, 2026, 2028);
            for o in &obs[1..] {
                // The instant of the change, from the local onset and the old offset.
                let at = Utc.from_utc_datetime(&(o.onset - Duration::seconds(i64::from(o.from))));
                assert_eq!(offset_at(tz, at).local_minus_utc(), o.to.total, "{tz} at {at}");
                assert_eq!(offset_at(tz, at - Duration::seconds(1)).local_minus_utc(), o.from, "{tz} before {at}");
            }
        }
    }

    fn meeting(zone: Option<Tz>) -> Event {
        Event {
            uid: "conversation-7@foothold.example.org".into(),
            sequence: 2,
            modified: utc(2027, 2, 1, 9, 30),
            when: When::Timed { start: utc(2027, 3, 1, 9, 0), end: utc(2027, 3, 1, 10, 0), zone },
            summary: "Career conversation with Lee, Kim; and \\ more".into(),
            description: "Prepare your reflections.\nhttps://foothold.example.org/conversations/7".into(),
            url: Some("https://foothold.example.org/conversations/7".into()),
            status: Status::Confirmed,
        }
    }

    fn calendar(events: Vec<Event>) -> Calendar {
        Calendar {
            product: "-//Foothold//Calendar feed//EN".into(),
            name: "Foothold".into(),
            refresh_minutes: 60,
            events,
        }
    }

    #[test]
    fn a_zoned_event_has_local_times_and_its_vtimezone() {
        let ics = calendar(vec![meeting(Some(chrono_tz::Europe::Berlin))]).to_ics();
        let text = unfold(&ics);
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"), "{text}");
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(text.contains("\r\nDTSTART;TZID=Europe/Berlin:20270301T100000\r\n"), "{text}");
        assert!(text.contains("\r\nDTEND;TZID=Europe/Berlin:20270301T110000\r\n"), "{text}");
        assert!(text.contains("\r\nTZID:Europe/Berlin\r\n"));
        assert_eq!(text.matches("BEGIN:VTIMEZONE").count(), 1);
        assert!(text.find("BEGIN:VTIMEZONE") < text.find("BEGIN:VEVENT"), "zones come before events");
        assert!(text.contains("\r\nUID:conversation-7@foothold.example.org\r\n"));
        assert!(text.contains("\r\nSEQUENCE:2\r\n"));
        assert!(text.contains("\r\nDTSTAMP:20270201T093000Z\r\n"));
        assert!(text.contains("\r\nLAST-MODIFIED:20270201T093000Z\r\n"));
        assert!(text.contains(r"SUMMARY:Career conversation with Lee\, Kim\; and \\ more"), "{text}");
        assert!(text.contains(r"DESCRIPTION:Prepare your reflections.\nhttps://"), "{text}");
        assert!(text.contains("\r\nURL:https://foothold.example.org/conversations/7\r\n"));
        for l in lines(&ics) {
            assert!(l.len() <= 75, "{l}");
        }
        assert!(!ics.replace("\r\n", "").contains('\n'), "only CRLF line ends");
    }

    #[test]
    fn utc_and_all_day_events() {
        let mut day = meeting(None);
        day.uid = "checkin-3@foothold.example.org".into();
        day.when = When::AllDay(NaiveDate::from_ymd_opt(2027, 12, 31).expect("date"));
        day.status = Status::Cancelled;
        let ics = unfold(&calendar(vec![meeting(None), day]).to_ics());
        assert!(ics.contains("\r\nDTSTART:20270301T090000Z\r\nDTEND:20270301T100000Z\r\n"), "{ics}");
        assert!(ics.contains("\r\nDTSTART;VALUE=DATE:20271231\r\nDTEND;VALUE=DATE:20280101\r\n"), "{ics}");
        assert!(ics.contains("\r\nSTATUS:CANCELLED\r\n"));
        assert!(ics.contains("\r\nTRANSP:TRANSPARENT\r\n"));
        assert!(!ics.contains("VTIMEZONE"), "no zone needed");
        let utc_zone = unfold(&calendar(vec![meeting(Some(Tz::UTC))]).to_ics());
        assert!(utc_zone.contains("DTSTART:20270301T090000Z") && !utc_zone.contains("VTIMEZONE"));
    }

    #[test]
    fn zones_cover_the_years_of_all_their_events() {
        let mut later = meeting(Some(chrono_tz::Europe::Berlin));
        later.when = When::Timed {
            start: utc(2029, 6, 1, 9, 0),
            end: utc(2029, 6, 1, 10, 0),
            zone: Some(chrono_tz::Europe::Berlin),
        };
        let ics = unfold(&calendar(vec![meeting(Some(chrono_tz::Europe::Berlin)), later]).to_ics());
        assert_eq!(ics.matches("BEGIN:VTIMEZONE").count(), 1);
        // One start-of-range observance and two changes in each of 2027, 2028 and 2029.
        assert_eq!(ics.matches("BEGIN:DAYLIGHT").count(), 3, "{ics}");
        assert_eq!(ics.matches("BEGIN:STANDARD").count(), 4, "{ics}");
    }
}
