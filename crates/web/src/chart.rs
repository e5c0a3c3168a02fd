//! Small server-rendered SVG charts. Each chart on a page has a table with the
//! same figures beside it, which is also its text alternative; the SVG itself
//! carries a title and a description. Presentation attributes only: the
//! Content-Security-Policy allows no inline styles.

use std::fmt::Write;

/// Width and height of the drawing area, in SVG units.
const W: f64 = 640.0;
const H: f64 = 240.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;
/// Colour-blind-safe series colours (Okabe–Ito).
const COLOURS: [&str; 5] = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00"];

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// One line of a chart: a name and a value per label (`None`: no figure).
pub struct Series<'a> {
    /// Name in the legend.
    pub name: &'a str,
    /// Values, one per x label.
    pub values: Vec<Option<f64>>,
}

/// Room at each end of the x axis, so bars and points clear the axis labels.
const INSET: f64 = 18.0;

fn x_at(i: usize, n: usize) -> f64 {
    let (from, to) = (LEFT + INSET, W - RIGHT - INSET);
    if n <= 1 { (from + to) / 2.0 } else { from + (to - from) * i as f64 / (n - 1) as f64 }
}

fn frame(out: &mut String, id: &str, title: &str, desc: &str) {
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="100%" role="img" aria-labelledby="{id}-t {id}-d" class="chart" font-family="system-ui, sans-serif" font-size="11"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc><rect width="{W}" height="{H}" fill="#ffffff"/>"##,
        esc(title),
        esc(desc)
    );
}

fn axes(out: &mut String, labels: &[String], y_min: f64, y_max: f64, ticks: &[f64]) {
    let y_of = |v: f64| TOP + (H - TOP - BOTTOM) * (1.0 - (v - y_min) / (y_max - y_min));
    for t in ticks {
        let y = y_of(*t);
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#e3e6ea"/><text x="{}" y="{:.1}" text-anchor="end" fill="#4a5563">{t}</text>"##,
            W - RIGHT,
            LEFT - 6.0,
            y + 4.0
        );
    }
    let n = labels.len();
    // At most about eight labels fit; show every k-th.
    let every = n.div_ceil(8).max(1);
    for (i, l) in labels.iter().enumerate() {
        // Counted back from the latest quarter, which always has its label.
        if (n - 1 - i).is_multiple_of(every) {
            // The labels at the ends stay inside the picture.
            let anchor = if n > 1 && i + 1 == n {
                "end"
            } else if n > 1 && i == 0 {
                "start"
            } else {
                "middle"
            };
            let _ = write!(
                out,
                r##"<text x="{:.1}" y="{}" text-anchor="{anchor}" fill="#4a5563">{}</text>"##,
                x_at(i, n),
                H - BOTTOM + 16.0,
                esc(l)
            );
        }
    }
}

fn legend(out: &mut String, names: &[&str]) {
    let mut x = LEFT;
    for (i, name) in names.iter().enumerate() {
        let c = COLOURS[i % COLOURS.len()];
        let _ = write!(
            out,
            r##"<rect x="{x}" y="{}" width="10" height="10" fill="{c}"/><text x="{}" y="{}" fill="#1f2933">{}</text>"##,
            H - 14.0,
            x + 14.0,
            H - 5.0,
            esc(name)
        );
        x += 24.0 + 6.5 * name.chars().count() as f64;
    }
}

/// A line chart; gaps where a value is withheld.
pub fn lines(
    id: &str,
    title: &str,
    desc: &str,
    labels: &[String],
    series: &[Series],
    y: (f64, f64),
    ticks: &[f64],
) -> String {
    let mut out = String::new();
    frame(&mut out, id, title, desc);
    axes(&mut out, labels, y.0, y.1, ticks);
    let y_of = |v: f64| TOP + (H - TOP - BOTTOM) * (1.0 - (v.clamp(y.0, y.1) - y.0) / (y.1 - y.0));
    let n = labels.len();
    for (si, s) in series.iter().enumerate() {
        let c = COLOURS[si % COLOURS.len()];
        let mut path = String::new();
        let mut pen_down = false;
        for (i, v) in s.values.iter().enumerate() {
            match v {
                Some(v) => {
                    let _ = write!(path, "{}{:.1} {:.1} ", if pen_down { "L" } else { "M" }, x_at(i, n), y_of(*v));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        if !path.is_empty() {
            let _ = write!(out, r#"<path d="{}" fill="none" stroke="{c}" stroke-width="2.5"/>"#, path.trim_end());
        }
        for (i, v) in s.values.iter().enumerate() {
            if let Some(v) = v {
                let _ = write!(
                    out,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{c}"><title>{}: {}, {v:.0}</title></circle>"#,
                    x_at(i, n),
                    y_of(*v),
                    esc(s.name),
                    esc(&labels[i])
                );
            }
        }
    }
    legend(&mut out, &series.iter().map(|s| s.name).collect::<Vec<_>>());
    out.push_str("</svg>");
    out
}

/// Stacked bars that add up to 100% per label (e.g. a rating distribution);
/// a label with no counts gets no bar.
pub fn stacked(
    id: &str,
    title: &str,
    desc: &str,
    labels: &[String],
    names: &[&str],
    counts: &[Option<Vec<usize>>],
) -> String {
    let mut out = String::new();
    frame(&mut out, id, title, desc);
    axes(&mut out, labels, 0.0, 100.0, &[0.0, 25.0, 50.0, 75.0, 100.0]);
    let n = labels.len();
    let bar = ((W - LEFT - RIGHT) / n.max(1) as f64 * 0.6).min(36.0);
    for (i, c) in counts.iter().enumerate() {
        let Some(c) = c else { continue };
        let total: usize = c.iter().sum();
        if total == 0 {
            continue;
        }
        let mut top = H - BOTTOM;
        for (k, v) in c.iter().enumerate() {
            let h = (H - TOP - BOTTOM) * *v as f64 / total as f64;
            top -= h;
            let _ = write!(
                out,
                r#"<rect x="{:.1}" y="{top:.1}" width="{bar:.1}" height="{h:.1}" fill="{}"><title>{}: {} {v} of {total}</title></rect>"#,
                x_at(i, n) - bar / 2.0,
                COLOURS[k % COLOURS.len()],
                esc(&labels[i]),
                esc(names.get(k).copied().unwrap_or(""))
            );
        }
    }
    legend(&mut out, names);
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_text_and_leave_gaps() {
        let labels = vec!["Q1 2027".to_owned(), "<b>Q2</b>".to_owned(), "Q3 2027".to_owned()];
        let svg = lines(
            "e",
            "Engagement & eNPS",
            "desc",
            &labels,
            &[Series { name: "Engagement", values: vec![Some(60.0), None, Some(70.0)] }],
            (0.0, 100.0),
            &[0.0, 50.0, 100.0],
        );
        assert!(svg.contains("Engagement &amp; eNPS") && svg.contains("&lt;b&gt;Q2&lt;/b&gt;"));
        assert!(!svg.contains("<b>"));
        // Two separate segments: the withheld quarter breaks the line.
        let d = svg.split(r#"<path d=""#).nth(1).and_then(|p| p.split('"').next()).expect("a path");
        assert_eq!(d.matches('M').count(), 2, "{d}");
        let bars = stacked("r", "Ratings", "d", &labels, &["1", "2"], &[Some(vec![1, 3]), None, Some(vec![0, 0])]);
        assert_eq!(bars.matches("<rect x=").count() - 2, 2, "two segments for the one quarter with counts: {bars}");
    }
}
