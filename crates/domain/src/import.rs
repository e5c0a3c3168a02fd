//! Importing people from a CSV file.
//!
//! The file has the columns `email,name,title,department,manager_email` (a
//! header line is required; the columns may come in any order). An import is
//! all or nothing: [`plan_import`] either returns every row, ready to insert,
//! or lists every problem in the file, so that an administrator can fix the
//! spreadsheet in one pass instead of discovering problems one at a time.
//!
//! Line numbers are physical lines of the file as a text editor shows them
//! (1 = the first line, normally the header). A record with a quoted line
//! break is reported at the line where it starts. Line 0 means "the file as a
//! whole" and is used only for an empty file and for a file without people.

use std::collections::{HashMap, HashSet};
use std::fmt;

use csv::ByteRecord;

use crate::email::{Email, EmailError};
use crate::person::{PersonName, Text};

/// Most people one file may hold; larger organisations import in parts, which
/// keeps a single request's memory and the list of errors bounded.
pub const MAX_ROWS: usize = 50_000;

/// The required columns, in the order the documentation shows them.
pub const COLUMNS: [&str; 5] = ["email", "name", "title", "department", "manager_email"];

/// [`MAX_ROWS`] as people read it.
const MAX_ROWS_TEXT: &str = "50,000";

/// Longest title or department accepted.
const TEXT_MAX: usize = 200;

/// Longest excerpt of user input quoted back in a message.
const EXCERPT_MAX: usize = 80;

/// How many people or lines a cycle message names before abbreviating, so a
/// 50,000-person cycle does not produce gigabytes of error text.
const CYCLE_SHOWN: usize = 8;

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A person already in Foothold, as the importer needs to know them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingPerson {
    /// Their (normalised) address, which identifies them.
    pub email: Email,
    /// Their current manager, if any.
    pub manager: Option<Email>,
}

/// One valid row, ready to be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// Line of the file where the row starts.
    pub line: u64,
    /// The person; an existing person with this address is updated.
    pub email: Email,
    /// Display name.
    pub name: PersonName,
    /// Job title; empty when the column was empty.
    pub title: Text,
    /// Department; empty when the column was empty.
    pub department: Text,
    /// Manager; `None` puts the person at the top of the tree.
    pub manager: Option<Email>,
}

/// One problem, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// Line where the offending record starts; 0 for the file as a whole.
    pub line: u64,
    /// What is wrong, phrased so that a person can fix it.
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

impl RowError {
    fn new(line: u64, reason: impl Into<String>) -> Self {
        RowError { line, reason: reason.into() }
    }
}

/// Parses and checks a whole file. Ok only when every row is valid; then rows
/// are returned in an order where every manager that is in the file comes
/// before their reports (so they can be inserted in order).
///
/// `existing` is everyone already in Foothold: managers may refer to them, and
/// their current reporting lines count when looking for cycles (a row of the
/// file replaces the manager of the person it names). Errors are sorted by
/// line; a row may have several.
pub fn plan_import(input: &[u8], existing: &[ExistingPerson]) -> Result<Vec<ImportRow>, Vec<RowError>> {
    // Excel writes a BOM on "CSV UTF-8"; the csv crate would make it part of
    // the first column name.
    let input = input.strip_prefix(BOM).unwrap_or(input);
    let mut records = Records::new(input);

    let columns = loop {
        match records.next()? {
            None => {
                return Err(vec![RowError::new(
                    0,
                    format!("the file is empty: expected a header line {}", COLUMNS.join(",")),
                )]);
            }
            Some(_) if is_blank(&records.record) => continue,
            Some(line) => break parse_header(&records.record, line)?,
        }
    };

    let mut parsed = Vec::new();
    while let Some(line) = records.next()? {
        if is_blank(&records.record) {
            continue;
        }
        if parsed.len() == MAX_ROWS {
            return Err(vec![RowError::new(
                line,
                format!("the file has more than {MAX_ROWS_TEXT} people; split it into smaller files"),
            )]);
        }
        parsed.push(parse_row(&records.record, line, &columns));
    }
    if parsed.is_empty() {
        return Err(vec![RowError::new(0, "the file has no people in it")]);
    }

    let mut errors: Vec<RowError> = parsed.iter_mut().flat_map(|p| std::mem::take(&mut p.errors)).collect();
    check_across_rows(&parsed, existing, &mut errors);
    if !errors.is_empty() {
        // Stable, so a line's problems keep the order in which they were found.
        errors.sort_by_key(|e| e.line);
        return Err(errors);
    }
    let rows: Vec<ImportRow> = parsed.into_iter().filter_map(|p| p.row).collect();
    Ok(managers_first(rows))
}

/// Reads records and works out the physical line each starts on.
struct Records<'a> {
    input: &'a [u8],
    reader: csv::Reader<&'a [u8]>,
    record: ByteRecord,
    /// Byte offset up to which line breaks have been counted.
    counted_to: usize,
    /// Line number at `counted_to`.
    line: u64,
}

impl<'a> Records<'a> {
    fn new(input: &'a [u8]) -> Self {
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            // Report wrong field counts per row instead of aborting the read.
            .flexible(true)
            .from_reader(input);
        Records { input, reader, record: ByteRecord::new(), counted_to: 0, line: 1 }
    }

    /// Reads the next record into `self.record` and returns its line.
    fn next(&mut self) -> Result<Option<u64>, Vec<RowError>> {
        match self.reader.read_byte_record(&mut self.record) {
            Ok(false) => Ok(None),
            Ok(true) => {
                let start = self.record.position().map_or(self.counted_to, |p| p.byte() as usize);
                Ok(Some(self.line_at(start)))
            }
            // Reading from memory without UTF-8 or length checks cannot fail
            // today; should csv change, refuse the file rather than guess.
            Err(e) => Err(vec![RowError::new(self.line, format!("the file could not be read as CSV: {e}"))]),
        }
    }

    /// The line of the record whose reading began at byte `start`.
    ///
    /// csv's own `position().line()` is where reading began, which is before
    /// any skipped blank lines, and it does not count lone CRs; so skip line
    /// terminators ourselves and count breaks (CRLF, LF or a lone CR, the same
    /// terminators csv accepts) incrementally: linear over the whole file.
    fn line_at(&mut self, start: usize) -> u64 {
        let mut start = start.min(self.input.len());
        while matches!(self.input.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let from = self.counted_to.min(start);
        for i in from..start {
            let is_break = match self.input[i] {
                b'\n' => true,
                b'\r' => self.input.get(i + 1) != Some(&b'\n'),
                _ => false,
            };
            if is_break {
                self.line += 1;
            }
        }
        self.counted_to = self.counted_to.max(start);
        self.line
    }
}

/// Blank lines, and rows whose every cell is blank (spreadsheets export those
/// below the data), are not people.
fn is_blank(record: &ByteRecord) -> bool {
    record.iter().all(|f| std::str::from_utf8(f).is_ok_and(|s| s.trim().is_empty()))
}

/// Where each required column is.
struct Columns {
    email: usize,
    name: usize,
    title: usize,
    department: usize,
    manager: usize,
    count: usize,
}

fn parse_header(record: &ByteRecord, line: u64) -> Result<Columns, Vec<RowError>> {
    let expected = COLUMNS.join(",");
    let mut names = Vec::with_capacity(record.len());
    for field in record.iter() {
        match std::str::from_utf8(field) {
            Ok(s) => names.push(s.trim()),
            Err(_) => {
                return Err(vec![RowError::new(
                    line,
                    "the header line is not valid UTF-8 text; save the file as UTF-8",
                )]);
            }
        }
    }

    let mut index: [Option<usize>; 5] = [None; 5];
    let mut errors = Vec::new();
    let mut unexpected = Vec::new();
    for (i, name) in names.iter().enumerate() {
        match COLUMNS.iter().position(|c| c.eq_ignore_ascii_case(name)) {
            Some(c) if index[c].is_some() => {
                errors.push(RowError::new(line, format!("the header names the column {} more than once", COLUMNS[c])));
            }
            Some(c) => index[c] = Some(i),
            None if name.is_empty() => unexpected.push("an unnamed column".to_owned()),
            None => unexpected.push(format!("'{}'", excerpt(name))),
        }
    }

    if index.iter().all(Option::is_none) {
        // Most likely the header was left out and this is the first person.
        return Err(vec![RowError::new(
            line,
            format!("the first line must be the header {expected}; found '{}'", excerpt(&names.join(","))),
        )]);
    }
    let missing: Vec<&str> = COLUMNS.iter().zip(index).filter(|(_, i)| i.is_none()).map(|(c, _)| *c).collect();
    if !missing.is_empty() {
        errors.push(RowError::new(
            line,
            format!("the header is missing the column(s) {} (expected {expected})", missing.join(", ")),
        ));
    }
    if !unexpected.is_empty() {
        errors.push(RowError::new(
            line,
            format!("the header has unexpected column(s) {} (expected exactly {expected})", unexpected.join(", ")),
        ));
    }
    match index {
        [Some(email), Some(name), Some(title), Some(department), Some(manager)] if errors.is_empty() => {
            Ok(Columns { email, name, title, department, manager, count: names.len() })
        }
        _ => Err(errors),
    }
}

/// What one row says, as far as it could be read.
struct Parsed {
    line: u64,
    /// Whether the fields lined up with the header. Only then are `email`
    /// and `manager` used for duplicate, manager and cycle checks.
    aligned: bool,
    /// The person's address whenever it could be read, even if the rest of
    /// the row is bad, so that one typo does not also turn every report of
    /// that person into an "unknown manager".
    email: Option<Email>,
    manager: Option<Email>,
    /// Set when the row is valid on its own.
    row: Option<ImportRow>,
    errors: Vec<RowError>,
}

fn parse_row(record: &ByteRecord, line: u64, columns: &Columns) -> Parsed {
    let field = |i: usize| record.get(i).map(std::str::from_utf8);
    let aligned = record.len() == columns.count;
    let mut p = Parsed { line, aligned, email: None, manager: None, row: None, errors: Vec::new() };

    if !aligned {
        p.email = field(columns.email).and_then(Result::ok).and_then(|s| Email::parse(s).ok());
        p.errors.push(RowError::new(
            line,
            format!(
                "expected {} fields but found {} (a value containing a comma must be in double quotes)",
                columns.count,
                record.len()
            ),
        ));
        return p;
    }

    let mut text = |i: usize, column: &'static str| match field(i) {
        Some(Ok(s)) => Some(s),
        _ => {
            p.errors.push(RowError::new(
                line,
                format!("the {column} column is not valid UTF-8 text; save the file as UTF-8"),
            ));
            None
        }
    };
    let email = text(columns.email, "email");
    let name = text(columns.name, "name");
    let title = text(columns.title, "title");
    let department = text(columns.department, "department");
    let manager = text(columns.manager, "manager_email");

    let mut fail = |reason: String| p.errors.push(RowError::new(line, reason));
    let email = email.and_then(|s| Email::parse(s).map_err(|e| fail(e.to_string())).ok());
    let name = name.and_then(|s| PersonName::parse(s).map_err(|e| fail(e.to_string())).ok());
    let title =
        title.and_then(|s| Text::single_line(s, "title", TEXT_MAX, false).map_err(|e| fail(e.to_string())).ok());
    let department = department
        .and_then(|s| Text::single_line(s, "department", TEXT_MAX, false).map_err(|e| fail(e.to_string())).ok());
    // Outer None: unreadable; inner None: no manager.
    let manager = manager.and_then(|s| match Email::parse(s) {
        Ok(m) => Some(Some(m)),
        Err(EmailError::Empty) => Some(None),
        Err(e) => {
            fail(format!("manager_email: {e}"));
            None
        }
    });

    p.email = email.clone();
    p.manager = manager.clone().flatten();
    if let (Some(email), Some(name), Some(title), Some(department), Some(manager)) =
        (email, name, title, department, manager)
        && p.errors.is_empty()
    {
        p.row = Some(ImportRow { line, email, name, title, department, manager });
    }
    p
}

/// Duplicates, unknown or self managers, and reporting cycles.
fn check_across_rows(parsed: &[Parsed], existing: &[ExistingPerson], errors: &mut Vec<RowError>) {
    let mentioned: HashSet<&Email> = parsed.iter().filter_map(|p| p.email.as_ref()).collect();
    let known: HashMap<&Email, Option<&Email>> = existing.iter().map(|e| (&e.email, e.manager.as_ref())).collect();

    // The first occurrence of an address is the one that counts.
    let mut first: HashMap<&Email, &Parsed> = HashMap::new();
    for p in parsed.iter().filter(|p| p.aligned) {
        let Some(email) = &p.email else { continue };
        match first.get(email) {
            Some(f) => {
                errors.push(RowError::new(p.line, format!("'{email}' appears again (first on line {})", f.line)))
            }
            None => {
                first.insert(email, p);
            }
        }
        match &p.manager {
            Some(m) if m == email => errors.push(RowError::new(
                p.line,
                format!("'{email}' is listed as their own manager; leave manager_email empty for someone at the top"),
            )),
            Some(m) if !mentioned.contains(m) && !known.contains_key(m) => errors
                .push(RowError::new(p.line, format!("manager '{m}' is neither in this file nor already in Foothold"))),
            _ => {}
        }
    }

    // The combined graph: everyone existing, with the file's rows replacing
    // their managers. Each person has at most one manager, so the graph is a
    // set of chains and cycles, and one walk per person finds every cycle.
    let mut ids: HashMap<&Email, usize> = HashMap::with_capacity(known.len() + first.len());
    let mut emails: Vec<&Email> = Vec::with_capacity(known.len() + first.len());
    for email in existing.iter().map(|e| &e.email).chain(first.keys().copied()) {
        ids.entry(email).or_insert_with(|| {
            emails.push(email);
            emails.len() - 1
        });
    }
    let mut manager_of: Vec<Option<usize>> = vec![None; emails.len()];
    let mut file_line: Vec<Option<u64>> = vec![None; emails.len()];
    for (id, email) in emails.iter().enumerate() {
        let manager = match first.get(email) {
            Some(p) => {
                file_line[id] = Some(p.line);
                p.manager.as_ref()
            }
            None => known.get(email).copied().flatten(),
        };
        // Self-management is reported above (or, for existing people, is not
        // this file's doing), so it is not an edge.
        manager_of[id] = manager.and_then(|m| ids.get(m).copied()).filter(|&m| m != id);
    }

    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; emails.len()];
    let mut path = Vec::new();
    // Starting only from the file's people finds exactly the cycles that
    // contain one of them; cycles among existing people alone are not ours.
    let mut starts: Vec<usize> = (0..emails.len()).filter(|&id| file_line[id].is_some()).collect();
    starts.sort_by_key(|&id| file_line[id]);
    for start in starts {
        let mut node = Some(start);
        while let Some(n) = node {
            if state[n] != NEW {
                break;
            }
            state[n] = ON_PATH;
            path.push(n);
            node = manager_of[n];
        }
        if let Some(n) = node
            && state[n] == ON_PATH
            && let Some(at) = path.iter().rposition(|&p| p == n)
        {
            report_cycle(&path[at..], &emails, &file_line, errors);
        }
        for n in path.drain(..) {
            state[n] = DONE;
        }
    }
}

/// One error per row of the file on the cycle, each naming the whole cycle,
/// so every row involved is listed.
fn report_cycle(cycle: &[usize], emails: &[&Email], file_line: &[Option<u64>], errors: &mut Vec<RowError>) {
    let mut lines: Vec<u64> = cycle.iter().filter_map(|&n| file_line[n]).collect();
    lines.sort_unstable();
    let Some(&first_line) = lines.first() else {
        return;
    };
    // Start the description at the earliest row of the file, for stable text.
    let start = cycle.iter().position(|&n| file_line[n] == Some(first_line)).unwrap_or(0);
    let describe = |n: usize| match file_line[n] {
        Some(_) => emails[n].to_string(),
        None => format!("{} (already in Foothold)", emails[n]),
    };
    let mut people: Vec<String> =
        (0..cycle.len().min(CYCLE_SHOWN)).map(|k| describe(cycle[(start + k) % cycle.len()])).collect();
    if cycle.len() > CYCLE_SHOWN {
        people.push(format!("… ({} people in all)", cycle.len()));
    }
    people.push(emails[cycle[start]].to_string());
    let chain = people.join(" → ");
    let where_ = match lines.len() {
        1 => String::new(),
        n => {
            let shown: Vec<String> = lines.iter().take(CYCLE_SHOWN).map(u64::to_string).collect();
            let more = if n > CYCLE_SHOWN { format!(" and {} more", n - CYCLE_SHOWN) } else { String::new() };
            format!(" (lines {}{more})", shown.join(", "))
        }
    };
    let reason = format!("reporting cycle {chain}{where_}");
    errors.extend(lines.iter().map(|&line| RowError::new(line, reason.clone())));
}

/// Reorders rows so that managers in the file precede their reports, keeping
/// the file's order otherwise. Linear: each row is pushed once.
fn managers_first(rows: Vec<ImportRow>) -> Vec<ImportRow> {
    let index: HashMap<&Email, usize> = rows.iter().enumerate().map(|(i, r)| (&r.email, i)).collect();
    let mut placed = vec![false; rows.len()];
    let mut order = Vec::with_capacity(rows.len());
    let mut chain = Vec::new();
    for i in 0..rows.len() {
        // Walk up to the first manager already placed (or outside the file),
        // then place the chain top-down. Marking on the way up also ends the
        // walk should a cycle ever slip through.
        let mut next = Some(i);
        while let Some(j) = next {
            if placed[j] {
                break;
            }
            placed[j] = true;
            chain.push(j);
            next = rows[j].manager.as_ref().and_then(|m| index.get(m).copied());
        }
        order.extend(chain.drain(..).rev());
    }
    let mut slots: Vec<Option<ImportRow>> = rows.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// A short, single-line rendering of user input for messages.
fn excerpt(s: &str) -> String {
    let mut out: String = s.chars().take(EXCERPT_MAX).map(|c| if c.is_control() { ' ' } else { c }).collect();
    if s.chars().nth(EXCERPT_MAX).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::time::{Duration, Instant};

    const H: &str = "email,name,title,department,manager_email\n";

    fn e(s: &str) -> Email {
        Email::parse(s).expect("valid test address")
    }

    fn existing(pairs: &[(&str, Option<&str>)]) -> Vec<ExistingPerson> {
        pairs.iter().map(|(p, m)| ExistingPerson { email: e(p), manager: m.map(e) }).collect()
    }

    fn plan(csv: &str) -> Result<Vec<ImportRow>, Vec<RowError>> {
        plan_import(csv.as_bytes(), &[])
    }

    fn errors_of(result: Result<Vec<ImportRow>, Vec<RowError>>) -> Vec<RowError> {
        match result {
            Ok(rows) => panic!("expected errors, got {} rows", rows.len()),
            Err(errors) => errors,
        }
    }

    fn lines(errors: &[RowError]) -> Vec<u64> {
        errors.iter().map(|e| e.line).collect()
    }

    fn emails(rows: &[ImportRow]) -> Vec<&str> {
        rows.iter().map(|r| r.email.as_str()).collect()
    }

    /// Every manager is already in Foothold or placed earlier in `rows`.
    fn assert_managers_first(rows: &[ImportRow], existing: &[ExistingPerson]) {
        let mut seen: HashSet<&Email> = existing.iter().map(|p| &p.email).collect();
        for row in rows {
            if let Some(m) = &row.manager {
                assert!(seen.contains(m), "manager {m} of {} not placed before it", row.email);
            }
            seen.insert(&row.email);
        }
    }

    #[test]
    fn accepts_a_valid_file() {
        let rows =
            plan(&format!("{H}Ann@X.org,Ann Lee,CTO,Engineering,\nbob@x.org, Bob ,,,ANN@x.org\n")).expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].email, e("ann@x.org"));
        assert_eq!(rows[0].title.as_str(), "CTO");
        assert_eq!(rows[0].manager, None);
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[1].name.as_str(), "Bob");
        assert_eq!(rows[1].title.as_str(), "");
        assert_eq!(rows[1].department.as_str(), "");
        assert_eq!(rows[1].manager, Some(e("ann@x.org")));
    }

    #[test]
    fn display_is_line_then_reason() {
        assert_eq!(RowError::new(5, "oops").to_string(), "line 5: oops");
    }

    #[test]
    fn empty_file_is_refused_at_line_0() {
        for input in ["", "\n\r\n\n", "\u{feff}", "  \n,,,,\n"] {
            let errors = errors_of(plan(input));
            assert_eq!(
                errors,
                vec![RowError::new(
                    0,
                    "the file is empty: expected a header line email,name,title,department,manager_email"
                )],
                "{input:?}"
            );
        }
    }

    #[test]
    fn header_without_people_is_refused() {
        for input in [H.to_owned(), format!("{H}\n\n,,,,\n")] {
            assert_eq!(errors_of(plan(&input)), vec![RowError::new(0, "the file has no people in it")]);
        }
    }

    #[test]
    fn missing_header_is_named() {
        let errors = errors_of(plan("ann@x.org,Ann,,,\nbob@x.org,Bob,,,\n"));
        assert_eq!(lines(&errors), vec![1]);
        assert!(errors[0].reason.starts_with("the first line must be the header email,name,"), "{errors:?}");
        assert!(errors[0].reason.contains("found 'ann@x.org,Ann,,,'"), "{errors:?}");
    }

    #[test]
    fn wrong_columns_are_named() {
        let errors = errors_of(plan("email,name,title,department,boss,\nann@x.org,Ann,,,,\n"));
        assert_eq!(lines(&errors), vec![1, 1]);
        assert!(errors[0].reason.contains("missing the column(s) manager_email"), "{errors:?}");
        assert!(errors[1].reason.contains("unexpected column(s) 'boss', an unnamed column"), "{errors:?}");

        let errors = errors_of(plan("email,name,title,department,manager_email,email\nann@x.org,Ann,,,,\n"));
        assert_eq!(lines(&errors), vec![1]);
        assert!(errors[0].reason.contains("column email more than once"), "{errors:?}");

        // Extra columns are refused even when all required ones are there.
        let errors = errors_of(plan("email,name,title,department,manager_email,notes\nann@x.org,Ann,,,,hi\n"));
        assert_eq!(lines(&errors), vec![1]);
        assert!(errors[0].reason.contains("unexpected column(s) 'notes'"), "{errors:?}");
    }

    #[test]
    fn header_may_come_in_any_order_and_case() {
        let rows = plan(
            " Manager_Email ,NAME,\"Email\",department , Title\nbob@x.org,Ann,ann@x.org,Sales,Rep\n,Bob,bob@x.org,,\n",
        )
        .expect("valid");
        assert_eq!(emails(&rows), vec!["bob@x.org", "ann@x.org"]);
        let ann = &rows[1];
        assert_eq!((ann.name.as_str(), ann.title.as_str(), ann.department.as_str()), ("Ann", "Rep", "Sales"));
        assert_eq!(ann.manager, Some(e("bob@x.org")));
    }

    #[test]
    fn missing_emails_are_all_listed() {
        let errors = errors_of(plan(&format!("{H},Ann,,,\nbob@x.org,Bob,,,\n  ,Cy,,,\n")));
        assert_eq!(lines(&errors), vec![2, 4]);
        assert!(errors.iter().all(|e| e.reason == "the e-mail address is missing"), "{errors:?}");
    }

    #[test]
    fn malformed_emails_are_all_listed() {
        let errors = errors_of(plan(&format!("{H}ann,Ann,,,\nbob@x.org,Bob,,,\ncy@x,Cy,,,\n")));
        assert_eq!(lines(&errors), vec![2, 4]);
        assert_eq!(errors[0].reason, "'ann' is not an e-mail address (expected name@example.org)");
        let errors = errors_of(plan(&format!("{H}ann@x.org,Ann,,,not an address\nbob@x.org,Bob,,,b@\n")));
        assert_eq!(lines(&errors), vec![2, 3]);
        assert!(errors[0].reason.starts_with("manager_email: 'not an address' is not an e-mail"), "{errors:?}");
    }

    #[test]
    fn missing_names_are_all_listed() {
        let errors = errors_of(plan(&format!("{H}ann@x.org,,,,\nbob@x.org,Bob,,,\ncy@x.org,  ,,,\n")));
        assert_eq!(lines(&errors), vec![2, 4]);
        assert!(errors.iter().all(|e| e.reason == "name is required"), "{errors:?}");
    }

    #[test]
    fn unknown_managers_are_all_listed() {
        let errors = errors_of(plan(&format!(
            "{H}ann@x.org,Ann,,,\nbob@x.org,Bob,,,zed@x.org\ncy@x.org,Cy,,,ann@x.org\ndi@x.org,Di,,,Bob@X.org\nel@x.org,El,,,yan@x.org\n"
        )));
        assert_eq!(lines(&errors), vec![3, 6]);
        assert_eq!(errors[0].reason, "manager 'zed@x.org' is neither in this file nor already in Foothold");
        assert_eq!(
            errors[1].to_string(),
            "line 6: manager 'yan@x.org' is neither in this file nor already in Foothold"
        );
    }

    #[test]
    fn existing_managers_are_known() {
        let known = existing(&[("boss@x.org", None)]);
        let rows = plan_import(format!("{H}ann@x.org,Ann,,,BOSS@x.org\n").as_bytes(), &known).expect("valid");
        assert_eq!(rows[0].manager, Some(e("boss@x.org")));
    }

    #[test]
    fn duplicates_are_all_listed_with_the_first_line() {
        let errors = errors_of(plan(&format!(
            "{H}ann@x.org,Ann,,,\nbob@x.org,Bob,,,\nANN@x.org,Ann again,,,\nbob@x.org,Bob,,,\nann@x.org,Ann,,,\n"
        )));
        assert_eq!(lines(&errors), vec![4, 5, 6]);
        assert_eq!(errors[0].reason, "'ann@x.org' appears again (first on line 2)");
        assert_eq!(errors[1].reason, "'bob@x.org' appears again (first on line 3)");
        assert_eq!(errors[2].reason, "'ann@x.org' appears again (first on line 2)");
    }

    #[test]
    fn nobody_manages_themselves() {
        let errors =
            errors_of(plan(&format!("{H}ann@x.org,Ann,,,ann@x.org\nbob@x.org,Bob,,,\ncy@x.org,Cy,,,CY@x.org\n")));
        assert_eq!(lines(&errors), vec![2, 4]);
        assert_eq!(
            errors[0].reason,
            "'ann@x.org' is listed as their own manager; leave manager_email empty for someone at the top"
        );
    }

    #[test]
    fn cycles_in_the_file_list_every_row() {
        let errors = errors_of(plan(&format!(
            "{H}ann@x.org,Ann,,,bob@x.org\nbob@x.org,Bob,,,ann@x.org\nok@x.org,Ok,,,\ncy@x.org,Cy,,,di@x.org\ndi@x.org,Di,,,el@x.org\nel@x.org,El,,,cy@x.org\nfi@x.org,Fi,,,cy@x.org\n"
        )));
        assert_eq!(lines(&errors), vec![2, 3, 5, 6, 7]);
        assert_eq!(errors[0].to_string(), "line 2: reporting cycle ann@x.org → bob@x.org → ann@x.org (lines 2, 3)");
        assert_eq!(errors[1].reason, errors[0].reason);
        assert_eq!(errors[2].reason, "reporting cycle cy@x.org → di@x.org → el@x.org → cy@x.org (lines 5, 6, 7)");
    }

    #[test]
    fn cycles_through_existing_people_are_found() {
        // bob already reports to ann; making ann report to bob closes a loop.
        let known = existing(&[("ann@x.org", None), ("bob@x.org", Some("ann@x.org"))]);
        let errors =
            errors_of(plan_import(format!("{H}cy@x.org,Cy,,,\nann@x.org,Ann,,,bob@x.org\n").as_bytes(), &known));
        assert_eq!(
            errors,
            vec![RowError::new(3, "reporting cycle ann@x.org → bob@x.org (already in Foothold) → ann@x.org")]
        );
    }

    #[test]
    fn file_rows_override_existing_managers() {
        // Existing data with a loop that the file repairs is accepted.
        let known = existing(&[("ann@x.org", Some("bob@x.org")), ("bob@x.org", Some("ann@x.org"))]);
        let rows =
            plan_import(format!("{H}bob@x.org,Bob,,,ann@x.org\nann@x.org,Ann,,,\n").as_bytes(), &known).expect("valid");
        assert_eq!(emails(&rows), vec!["ann@x.org", "bob@x.org"]);

        // A loop among existing people only is not this file's problem.
        let rows = plan_import(format!("{H}cy@x.org,Cy,,,ann@x.org\n").as_bytes(), &known).expect("valid");
        assert_eq!(emails(&rows), vec!["cy@x.org"]);
    }

    #[test]
    fn invalid_utf8_is_reported_per_row() {
        let mut input = H.as_bytes().to_vec();
        input.extend_from_slice(b"ann@x.org,Ann,,,\nbob@x.org,B\xffb,,,\ncy@x.org,Cy,,,\ndi@x.org,Di,Eng\xc3,,\n");
        let errors = errors_of(plan_import(&input, &[]));
        assert_eq!(lines(&errors), vec![3, 5]);
        assert_eq!(errors[0].reason, "the name column is not valid UTF-8 text; save the file as UTF-8");
        assert_eq!(errors[1].reason, "the title column is not valid UTF-8 text; save the file as UTF-8");
    }

    #[test]
    fn wrong_field_counts_are_all_listed() {
        let errors = errors_of(plan(&format!(
            "{H}ann@x.org,Ann,,\nbob@x.org,Bob,,,\ncy@x.org,Smith, Cy,,,\ndi@x.org,Di,,,ann@x.org\n"
        )));
        // di's manager ann is on a broken row, which is reported; di is not
        // also blamed for an unknown manager.
        assert_eq!(lines(&errors), vec![2, 4]);
        assert_eq!(
            errors[0].reason,
            "expected 5 fields but found 4 (a value containing a comma must be in double quotes)"
        );
        assert!(errors[1].reason.starts_with("expected 5 fields but found 6"), "{errors:?}");
    }

    #[test]
    fn long_titles_and_departments_are_all_listed() {
        let ok = "x".repeat(200);
        let long = "x".repeat(201);
        let errors = errors_of(plan(&format!(
            "{H}ann@x.org,Ann,{long},,\nbob@x.org,Bob,{ok},{ok},\ncy@x.org,Cy,,{long},\ndi@x.org,Di,{long},{long},\n"
        )));
        assert_eq!(lines(&errors), vec![2, 4, 5, 5]);
        assert_eq!(errors[0].reason, "title is longer than 200 characters");
        assert_eq!(errors[1].reason, "department is longer than 200 characters");
    }

    #[test]
    fn every_problem_is_listed_in_line_order() {
        let mut input = H.as_bytes().to_vec();
        input.extend_from_slice(
            b"ann@x.org,Ann,,,\n\
              ,NoEmail,,,\n\
              bob@x.org,,,,\n\
              cy@x.org,Cy,,,nobody@x.org\n\
              ann@x.org,Ann,,,\n\
              di@x.org,Di,,,di@x.org\n\
              el@x.org,El,,,fi@x.org\n\
              fi@x.org,Fi,,,el@x.org\n\
              gi@x.org,G\xffi,,,\n\
              hi@x.org,Hi,,\n\
              ok@x.org,Ok,,,ann@x.org\n",
        );
        let errors = errors_of(plan_import(&input, &[]));
        assert_eq!(lines(&errors), vec![3, 4, 5, 6, 7, 8, 9, 10, 11]);
    }

    #[test]
    fn bom_is_ignored() {
        let rows = plan(&format!("\u{feff}{H}ann@x.org,Ann,,,\n")).expect("valid");
        assert_eq!(emails(&rows), vec!["ann@x.org"]);
    }

    #[test]
    fn quoted_fields_keep_commas_quotes_and_line_numbers() {
        let input = format!(
            "{H}ann@x.org,\"Lee, Ann \"\"AL\"\"\",\"Head of\nStuff\",,\nbob@x.org,Bob,\"\nEngineer\n\",,ann@x.org\ncy@x.org,,,,\n"
        );
        let errors = errors_of(plan(&input));
        // ann spans lines 2-3 (newline inside the title is refused), bob
        // spans 4-6 (surrounding newlines are trimmed: fine), cy is line 7.
        assert_eq!(lines(&errors), vec![2, 7]);
        assert_eq!(errors[0].reason, "title contains control characters");

        let input = format!("{H}ann@x.org,\"Lee, Ann \"\"AL\"\"\",\"\nCTO\n\",,\nbob@x.org,Bob,,,ann@x.org\n");
        let rows = plan(&input).expect("valid");
        assert_eq!(rows[0].name.as_str(), "Lee, Ann \"AL\"");
        assert_eq!(rows[0].title.as_str(), "CTO");
        assert_eq!((rows[0].line, rows[1].line), (2, 5));
    }

    #[test]
    fn crlf_and_blank_lines_keep_line_numbers() {
        let crlf = "email,name,title,department,manager_email\r\n\r\nann@x.org,Ann,,,\r\n,,,,\r\n\r\nbob@x.org,,,,\r\ncy@x.org,Cy,\"a\r\nb\",,\r\ndi@x.org,,,,";
        let errors = errors_of(plan(crlf));
        assert_eq!(lines(&errors), vec![6, 7, 9]);

        let rows =
            plan("email,name,title,department,manager_email\r\nann@x.org,Ann,,,\r\nbob@x.org,Bob,,,ann@x.org\r\n")
                .expect("valid");
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), vec![2, 3]);

        // Old Mac files end lines with a lone CR.
        let errors = errors_of(plan("email,name,title,department,manager_email\rann@x.org,Ann,,,\r\rbob@x.org,,,,\r"));
        assert_eq!(lines(&errors), vec![4]);
    }

    #[test]
    fn managers_come_before_their_reports() {
        let rows = plan(&format!(
            "{H}di@x.org,Di,,,cy@x.org\ncy@x.org,Cy,,,bob@x.org\nx@x.org,X,,,\nbob@x.org,Bob,,,ann@x.org\nann@x.org,Ann,,,\nel@x.org,El,,,bob@x.org\n"
        ))
        .expect("valid");
        assert_eq!(emails(&rows), vec!["ann@x.org", "bob@x.org", "cy@x.org", "di@x.org", "x@x.org", "el@x.org"]);
        assert_managers_first(&rows, &[]);

        // Already in order: unchanged.
        let rows = plan(&format!("{H}ann@x.org,Ann,,,\nbob@x.org,Bob,,,ann@x.org\ncy@x.org,Cy,,,\n")).expect("valid");
        assert_eq!(emails(&rows), vec!["ann@x.org", "bob@x.org", "cy@x.org"]);
    }

    fn chain_csv(n: usize, reverse: bool, close_loop: bool) -> String {
        let mut out = H.to_owned();
        let mut order: Vec<usize> = (0..n).collect();
        if reverse {
            order.reverse();
        }
        for i in order {
            let manager = match i {
                0 if close_loop => format!("p{}@x.org", n - 1),
                0 => String::new(),
                _ => format!("p{}@x.org", i - 1),
            };
            out.push_str(&format!("p{i}@x.org,Person {i},,,{manager}\n"));
        }
        out
    }

    #[test]
    fn a_deep_chain_is_fast_and_ordered() {
        let started = Instant::now();
        let rows = plan(&chain_csv(MAX_ROWS, true, false)).expect("valid");
        assert_eq!(rows.len(), MAX_ROWS);
        assert_eq!(rows[0].email, e("p0@x.org"));
        assert_managers_first(&rows, &[]);
        // Generous for unoptimised builds on a busy machine; quadratic would
        // take minutes.
        assert!(started.elapsed() < Duration::from_secs(20), "took {:?}", started.elapsed());
    }

    #[test]
    fn a_huge_cycle_lists_every_row_briefly() {
        let errors = errors_of(plan(&chain_csv(MAX_ROWS, false, true)));
        assert_eq!(errors.len(), MAX_ROWS);
        assert_eq!(errors[0].line, 2);
        assert_eq!(errors[MAX_ROWS - 1].line, MAX_ROWS as u64 + 1);
        assert!(errors[0].reason.contains("(50000 people in all)"), "{}", errors[0].reason);
        assert!(errors[0].reason.contains("and 49992 more)"), "{}", errors[0].reason);
        assert!(errors.iter().all(|e| e.reason.len() < 400));
    }

    #[test]
    fn too_many_rows_are_refused() {
        let errors = errors_of(plan(&chain_csv(MAX_ROWS + 1, false, false)));
        assert_eq!(
            errors,
            vec![RowError::new(
                MAX_ROWS as u64 + 2,
                "the file has more than 50,000 people; split it into smaller files"
            )]
        );
    }

    /// Pieces that make CSV-like text likely to hit the interesting paths.
    const PIECES: &[&str] = &[
        "a@x.org",
        "b@x.org",
        "B@X.ORG",
        "c@x.org",
        "Ann",
        ",",
        ",",
        ",",
        "\"",
        "\"\"",
        "\n",
        "\r\n",
        "\r",
        " ",
        "\u{feff}",
        "é",
        "\u{7}",
        "email",
        "name",
        "title",
        "department",
        "manager_email",
        "@",
        ".",
    ];

    fn people() -> Vec<ExistingPerson> {
        existing(&[("a@x.org", Some("c@x.org")), ("c@x.org", Some("a@x.org")), ("d@x.org", None)])
    }

    proptest! {
        #[test]
        fn never_panics_on_bytes(input in proptest::collection::vec(any::<u8>(), 0..600)) {
            if let Ok(rows) = plan_import(&input, &people()) {
                assert_managers_first(&rows, &people());
            }
        }

        #[test]
        fn never_panics_on_csvish_text(
            header in any::<bool>(),
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..120),
        ) {
            let mut input = if header { H.to_owned() } else { String::new() };
            input.extend(pieces);
            if let Ok(rows) = plan_import(input.as_bytes(), &people()) {
                assert_managers_first(&rows, &people());
            }
        }

        /// Against a naive oracle: Ok exactly when there are no duplicates,
        /// self-managers, unknown managers or cycles through a file row.
        #[test]
        fn agrees_with_a_naive_oracle(
            rows in proptest::collection::vec((0..6usize, proptest::option::of(0..7usize)), 1..8),
            known in proptest::collection::vec((0..6usize, proptest::option::of(0..6usize)), 0..5),
        ) {
            let addr = |i: usize| format!("p{i}@x.org");
            let mut input = H.to_owned();
            for (p, m) in &rows {
                input.push_str(&format!("{},P,,,{}\n", addr(*p), m.map(addr).unwrap_or_default()));
            }
            let mut known_people: Vec<ExistingPerson> = Vec::new();
            for (p, m) in &known {
                if known_people.iter().all(|k| k.email != e(&addr(*p))) {
                    known_people.push(ExistingPerson { email: e(&addr(*p)), manager: m.map(|m| e(&addr(m))) });
                }
            }

            let mut manager: HashMap<usize, Option<usize>> = known.iter().rev().map(|&(p, m)| (p, m)).collect();
            let mut in_file = HashSet::new();
            let mut valid = true;
            for &(p, m) in &rows {
                valid &= in_file.insert(p);
                valid &= m != Some(p);
            }
            for &(p, m) in rows.iter().rev() {
                manager.insert(p, m);
            }
            for &(p, m) in &rows {
                if let Some(m) = m {
                    valid &= in_file.contains(&m) || known.iter().any(|k| k.0 == m);
                }
                let mut at = manager.get(&p).copied().flatten();
                for _ in 0..20 {
                    match at {
                        Some(n) if n == p => { valid = false; break; }
                        Some(n) => at = manager.get(&n).copied().flatten(),
                        None => break,
                    }
                }
            }

            let result = plan_import(input.as_bytes(), &known_people);
            prop_assert_eq!(result.is_ok(), valid, "{:?}", result);
            if let Ok(planned) = result {
                prop_assert_eq!(planned.len(), rows.len());
                assert_managers_first(&planned, &known_people);
            }
        }
    }
}
