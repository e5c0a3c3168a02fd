//! Dates as people read them on a page: "Mar 2026", "5 Mar 2026".
//!
//! Written out by hand rather than through chrono's `format`, which
//! interprets its layout on every call: a plan page shows a dozen of these,
//! and formatting them was a twentieth of the page's work. The tests hold the
//! output to chrono's, byte for byte.

use chrono::{Datelike, NaiveDate};

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Month and year, as chrono's `%b %Y`: "Mar 2026".
pub fn month_year(d: NaiveDate) -> String {
    let mut out = String::with_capacity(8);
    push_month_year(&mut out, d);
    out
}

/// Day, month and year, as chrono's `%-d %b %Y`: "5 Mar 2026".
pub fn day_month_year(d: NaiveDate) -> String {
    let mut out = String::with_capacity(11);
    push_number(&mut out, d.day());
    out.push(' ');
    push_month_year(&mut out, d);
    out
}

fn push_month_year(out: &mut String, d: NaiveDate) {
    out.push_str(MONTHS[d.month0() as usize]);
    out.push(' ');
    match u32::try_from(d.year()) {
        // `%Y` pads years below 1000 to four digits.
        Ok(y) if y <= 9999 => {
            for digit in [y / 1000, y / 100 % 10, y / 10 % 10, y % 10] {
                out.push(digit_char(digit));
            }
        }
        // Outside four digits chrono adds a sign: leave those rare years to it.
        _ => out.push_str(&d.format("%Y").to_string()),
    }
}

fn push_number(out: &mut String, n: u32) {
    if n >= 10 {
        push_number(out, n / 10);
    }
    out.push(digit_char(n % 10));
}

fn digit_char(d: u32) -> char {
    char::from_digit(d, 10).unwrap_or('0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_chrono_writes_them_every_day_of_many_years() {
        let mut d = NaiveDate::from_ymd_opt(1899, 12, 25).expect("date");
        let last = NaiveDate::from_ymd_opt(2201, 1, 5).expect("date");
        let mut days = 0;
        while d <= last {
            assert_eq!(month_year(d), d.format("%b %Y").to_string(), "{d}");
            assert_eq!(day_month_year(d), d.format("%-d %b %Y").to_string(), "{d}");
            d = d.succ_opt().expect("next day");
            days += 1;
        }
        assert_eq!(days, 109_950);
    }

    #[test]
    fn unusual_years_read_as_chrono_writes_them() {
        for y in [-10_000, -1, 0, 7, 99, 999, 1000, 9999, 10_000, 262_142] {
            let d = NaiveDate::from_ymd_opt(y, 2, 9).expect("date");
            assert_eq!(month_year(d), d.format("%b %Y").to_string(), "{y}");
            assert_eq!(day_month_year(d), d.format("%-d %b %Y").to_string(), "{y}");
        }
    }

    #[test]
    fn examples() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 5).expect("date");
        assert_eq!(month_year(d), "Mar 2026");
        assert_eq!(day_month_year(d), "5 Mar 2026");
        assert_eq!(day_month_year(NaiveDate::from_ymd_opt(2026, 12, 31).expect("date")), "31 Dec 2026");
    }
}
