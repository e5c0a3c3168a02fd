//! The climbing wall: a person's roles and planned steps as one picture.
//!
//! A career is a climbing wall, not a ladder, so each planned step is drawn
//! where it leads: up above the current hold, sideways beside it, down below
//! it, and growth in place around it. The picture is SVG built as a string,
//! server-side, so it needs no dependency and no script. The page's
//! Content-Security-Policy (`style-src 'self'`) forbids inline styles, so it
//! uses only presentation attributes and `wall-` classes the app's stylesheet
//! may restyle. Every text is user input: it is cleaned, escaped, and only
//! ever written into text nodes, never into attributes.

use std::fmt::Write as _;

use chrono::NaiveDate;

use crate::plan::{Direction, StepKind, StepStatus};

/// A role the person held or holds: a hold on the wall.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hold {
    /// Job title.
    pub title: String,
    /// Team or department.
    pub department: String,
    /// First day in the role.
    pub from: NaiveDate,
    /// Last day in the role; `None` while it is held.
    pub to: Option<NaiveDate>,
}

/// A step from the growth plan, drawn where it leads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlannedMove {
    /// Kind, and so direction.
    pub kind: StepKind,
    /// What the step is.
    pub what: String,
    /// Where it stands.
    pub status: StepStatus,
    /// Quarter of the plan year, 1 to 4 (others are clamped).
    pub target_quarter: u32,
}

/// Everything the picture shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Wall {
    /// Roles in any order. The open one (no `to`) that started last is the
    /// current hold; the others are earlier holds, drawn oldest first.
    pub holds: Vec<Hold>,
    /// Steps of the growth plan.
    pub moves: Vec<PlannedMove>,
    /// The current role's title, used when no recorded hold is open.
    pub current_title: String,
    /// The current role's department, used when no recorded hold is open.
    pub current_department: String,
}

/// The drawn wall and the same content in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// One `<svg>` element to embed in the page as it is.
    pub svg: String,
    /// One sentence per hold (earlier ones oldest first, then the current
    /// one) and per step (by quarter), for a list beside the picture.
    pub description: Vec<String>,
}

/// Draws the wall with the ids `wall-title` and `wall-desc`; a page that
/// shows more than one wall uses [`draw_with_id`] so the ids stay unique.
pub fn draw(wall: &Wall) -> Picture {
    draw_with_id(wall, "wall")
}

/// Draws the wall; `id` prefixes the ids that `aria-labelledby` points to
/// (letters, digits, `-` and `_` are kept, the rest dropped).
pub fn draw_with_id(wall: &Wall, id: &str) -> Picture {
    let id: String = id.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')).collect();
    let id = if id.is_empty() { "wall".to_owned() } else { id };
    let mut plan = Plan::of(wall);
    let svg = render(&mut plan, &id);
    let mut description: Vec<String> = plan.earlier.iter().map(|p| p.sentence.clone()).collect();
    description.push(plan.current.sentence.clone());
    description.extend(plan.by_quarter.iter().map(|&i| plan.moves[i].sentence.clone()));
    Picture { svg, description }
}

// Grid cells: a hold's shape sits near the top of its cell, its label lines
// below it. Coordinates are whole SVG units so the output is byte-stable.
const CELL_W: i32 = 180;
const CELL_H: i32 = 110;
const SHAPE_Y: i32 = 32;
const LABEL_Y: i32 = 42;
const LINE_H: i32 = 14;
const GAP: i32 = 10;
const HEADING_H: i32 = 24;
const MARGIN: i32 = 24;
const TOP: i32 = 66;
const LEGEND_COLS: i32 = 3;
const LEGEND_ITEM_W: i32 = 140;
const LEGEND_ROW_H: i32 = 26;
const LEGEND_H: i32 = 2 * LEGEND_ROW_H;
/// Up and down steps per row; the first sits straight above or below.
const ROW_LEN: usize = 3;
/// Columns of the earlier-holds and sideways blocks.
const SIDE_COLS: usize = 2;
/// Width budget of the first label line and of the others, in narrow characters.
const FIRST_LINE_UNITS: usize = 23;
const LINE_UNITS: usize = 27;

const TEXT: &str = "#1f1f1f";
const MUTED_TEXT: &str = "#555555";
const CAPTION: &str = "Sideways and down are moves too.";

/// What a spot on the wall holds.
#[derive(Clone, Copy)]
enum Shape {
    Earlier,
    Current,
    Step(StepStatus, Direction),
}

/// One hold or step, with its cell's top-left corner relative to the current hold's cell.
struct Spot {
    x: i32,
    y: i32,
    shape: Shape,
    lines: Vec<String>,
    sentence: String,
    /// A step's place in quarter order; 0 for holds.
    order: usize,
}

impl Spot {
    fn centre(&self) -> (i32, i32) {
        (self.x + CELL_W / 2, self.y + SHAPE_Y)
    }
}

/// A region's heading: its left edge, baseline and text.
struct Heading {
    x: i32,
    y: i32,
    text: &'static str,
}

/// The wall laid out on a grid, before it is shifted into the picture.
struct Plan {
    /// Oldest first.
    earlier: Vec<Spot>,
    current: Spot,
    /// The current role's title and department, for the picture's title.
    current_named: String,
    /// Up, sideways, down, then here; each by quarter.
    moves: Vec<Spot>,
    /// Indices into `moves` in quarter order, for the description.
    by_quarter: Vec<usize>,
    /// The dotted line the person climbed: earlier holds, oldest first, to the current one.
    route: Vec<(i32, i32)>,
    /// A dotted line from the current hold to the first step up, sideways and down.
    reach: Vec<(Direction, [(i32, i32); 2])>,
    headings: Vec<Heading>,
    /// The shaded band of growth in place: left, top, width, height.
    band: Option<(i32, i32, i32, i32)>,
}

impl Plan {
    fn of(wall: &Wall) -> Plan {
        let (earlier_holds, current_hold) = split(&wall.holds);
        let (title, department, since) = match current_hold {
            Some(h) => (&h.title, &h.department, Some(h.from)),
            None => (&wall.current_title, &wall.current_department, None),
        };
        let current = current_spot(title, department, since);
        let current_named = who(title, department);

        // Stable, so steps of one quarter keep the plan's order.
        let mut ordered: Vec<&PlannedMove> = wall.moves.iter().collect();
        ordered.sort_by_key(|m| quarter(m));
        let of = |d: Direction| ordered.iter().copied().enumerate().filter(move |(_, m)| m.kind.direction() == d);
        let (n_up, n_down, n_here) =
            (of(Direction::Up).count(), of(Direction::Down).count(), of(Direction::Here).count());
        // The centre block is three columns wide once anything besides the current hold needs it.
        let half = i32::from(n_here > 0 || n_up > 1 || n_down > 1);

        let mut headings = Vec::new();
        let mut moves = Vec::new();
        let mut reach = Vec::new();

        // Growth in place: the cells diagonally around the current hold, ring by ring,
        // so that column 0 stays free for the way up and down and row 0 for the way
        // in from earlier holds and out sideways.
        for (i, (order, m)) in of(Direction::Here).enumerate() {
            let ring = (i / 4) as i32 + 1;
            let (col, row) = [(-1, -ring), (1, -ring), (-1, ring), (1, ring)][i % 4];
            moves.push(step_spot(m, order, col * CELL_W, row * CELL_H));
        }
        let (band_top, band_bottom, band) = if moves.is_empty() {
            (0, CELL_H, None)
        } else {
            let top = moves.iter().map(|s| s.y).min().unwrap_or(0) - HEADING_H;
            let bottom = moves.iter().map(|s| s.y).max().unwrap_or(0).max(0) + CELL_H;
            headings.push(Heading { x: -CELL_W + 10, y: top + 17, text: "Here: growing on the current hold" });
            (top, bottom, Some((-CELL_W, top, 3 * CELL_W, bottom - top)))
        };

        let centre_order = [0, -1, 1];
        let up: Vec<(usize, &PlannedMove)> = of(Direction::Up).collect();
        if !up.is_empty() {
            let base = band_top - GAP;
            for (i, &(order, m)) in up.iter().enumerate() {
                let row = (i / ROW_LEN) as i32 + 1;
                moves.push(step_spot(m, order, centre_order[i % ROW_LEN] * CELL_W, base - row * CELL_H));
            }
            // Vertical lines start and end clear of the labels under the holds.
            let (x, y) = moves[moves.len() - up.len()].centre();
            reach.push((Direction::Up, [(x, SHAPE_Y - 36), (x, y + LABEL_Y + 2 * LINE_H + 8)]));
            let rows = up.len().div_ceil(ROW_LEN) as i32;
            let left = if up.len() > 1 { -CELL_W } else { 0 };
            headings.push(Heading { x: left + 10, y: base - rows * CELL_H - 8, text: "Up" });
        }

        let side: Vec<(usize, &PlannedMove)> = of(Direction::Sideways).collect();
        if !side.is_empty() {
            for (i, &(order, m)) in side.iter().enumerate() {
                let (col, row) = ((i % SIDE_COLS) as i32, (i / SIDE_COLS) as i32);
                moves.push(step_spot(m, order, (half + 1 + col) * CELL_W, row * CELL_H));
            }
            reach.push((Direction::Sideways, [current.centre(), moves[moves.len() - side.len()].centre()]));
            headings.push(Heading { x: (half + 1) * CELL_W + 10, y: -8, text: "Sideways" });
        }

        let down: Vec<(usize, &PlannedMove)> = of(Direction::Down).collect();
        if !down.is_empty() {
            let base = band_bottom + GAP + HEADING_H;
            for (i, &(order, m)) in down.iter().enumerate() {
                let row = (i / ROW_LEN) as i32;
                moves.push(step_spot(m, order, centre_order[i % ROW_LEN] * CELL_W, base + row * CELL_H));
            }
            let (x, y) = moves[moves.len() - down.len()].centre();
            reach.push((Direction::Down, [(x, SHAPE_Y + LABEL_Y + 2 * LINE_H + 8), (x, y - 28)]));
            let left = if down.len() > 1 { -CELL_W } else { 0 };
            headings.push(Heading { x: left + 10, y: base - 8, text: "Down" });
        }

        // Here steps were laid out first so the band could be measured; the
        // description still wants every step in quarter order.
        let mut by_quarter: Vec<usize> = (0..moves.len()).collect();
        by_quarter.sort_by_key(|&i| moves[i].order);

        // Earlier holds: newest beside the current hold, older ones further out
        // and lower, so the route climbs to where the person is now.
        let n = earlier_holds.len();
        let mut earlier = Vec::with_capacity(n);
        let mut route: Vec<(i32, i32)> = Vec::with_capacity(2 * n + 1);
        for (age, h) in earlier_holds.iter().enumerate() {
            let (col, row) = snake(n - 1 - age);
            let spot = earlier_spot(h, -(half + 1 + col) * CELL_W, row * CELL_H);
            let (x, y) = spot.centre();
            // From one row to the next the route keeps to the block's edge rather
            // than run through the labels under the hold it leaves.
            if let Some(&(px, py)) = route.last()
                && px == x
            {
                let edge = x + if col == 0 { CELL_W / 2 - 4 } else { 4 - CELL_W / 2 };
                route.extend([(edge, py), (edge, y)]);
            }
            route.push((x, y));
            earlier.push(spot);
        }
        if n > 0 {
            route.push(current.centre());
            let cols = n.min(SIDE_COLS) as i32;
            headings.push(Heading { x: -(half + cols) * CELL_W + 10, y: -8, text: "Earlier holds" });
        }

        Plan { earlier, current, current_named, moves, by_quarter, route, reach, headings, band }
    }

    /// Every spot, shifted by (dx, dy).
    fn shift(&mut self, dx: i32, dy: i32) {
        for s in self.earlier.iter_mut().chain(std::iter::once(&mut self.current)).chain(self.moves.iter_mut()) {
            s.x += dx;
            s.y += dy;
        }
        for h in &mut self.headings {
            h.x += dx;
            h.y += dy;
        }
        if let Some(b) = &mut self.band {
            b.0 += dx;
            b.1 += dy;
        }
        let points = self.route.iter_mut().chain(self.reach.iter_mut().flat_map(|r| r.1.iter_mut()));
        for p in points {
            p.0 += dx;
            p.1 += dy;
        }
    }

    /// Left, top, right, bottom of everything drawn on the grid.
    fn bounds(&self) -> (i32, i32, i32, i32) {
        let cells = self.earlier.iter().chain(std::iter::once(&self.current)).chain(&self.moves);
        let mut b = (i32::MAX, i32::MAX, i32::MIN, i32::MIN);
        let mut grow = |l: i32, t: i32, r: i32, bo: i32| {
            b = (b.0.min(l), b.1.min(t), b.2.max(r), b.3.max(bo));
        };
        for s in cells {
            grow(s.x, s.y, s.x + CELL_W, s.y + CELL_H);
        }
        for h in &self.headings {
            grow(h.x - 10, h.y - 17, h.x - 10 + CELL_W, h.y + 7);
        }
        if let Some((x, y, w, h)) = self.band {
            grow(x, y, x + w, y + h);
        }
        b
    }
}

/// (column, row) of the i-th spot in a two-column block filled row by row,
/// turning at each row's end so the route never jumps across the block.
fn snake(i: usize) -> (i32, i32) {
    let row = i / SIDE_COLS;
    let pos = i % SIDE_COLS;
    let col = if row.is_multiple_of(2) { pos } else { SIDE_COLS - 1 - pos };
    (col as i32, row as i32)
}

/// The current hold and the earlier ones, oldest first. Ties are broken on
/// every field, so the order the holds come in never changes the picture.
fn split(holds: &[Hold]) -> (Vec<&Hold>, Option<&Hold>) {
    let mut sorted: Vec<&Hold> = holds.iter().collect();
    sorted.sort_by(|a, b| (a.from, a.to, &a.title, &a.department).cmp(&(b.from, b.to, &b.title, &b.department)));
    let current = sorted.iter().rposition(|h| h.to.is_none()).map(|i| sorted.remove(i));
    (sorted, current)
}

fn quarter(m: &PlannedMove) -> u32 {
    m.target_quarter.clamp(1, 4)
}

fn month(d: NaiveDate) -> String {
    crate::dates::month_year(d)
}

/// Title and department joined, whichever are given.
fn who(title: &str, department: &str) -> String {
    [clean(title), clean(department)].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ")
}

fn role_lines(title: &str, department: &str, dates: Option<String>) -> Vec<String> {
    let mut lines: Vec<String> = [clean(title), clean(department)].into_iter().filter(|s| !s.is_empty()).collect();
    if lines.is_empty() {
        lines.push("Role not named".to_owned());
    }
    lines.extend(dates);
    lines
}

fn earlier_spot(h: &Hold, x: i32, y: i32) -> Spot {
    let dates = match h.to {
        Some(to) => format!("{} – {}", month(h.from), month(to)),
        None => format!("since {}", month(h.from)),
    };
    let named = who(&h.title, &h.department);
    let named = if named.is_empty() { "role not named".to_owned() } else { named };
    Spot {
        x,
        y,
        shape: Shape::Earlier,
        sentence: format!("Earlier hold: {named} ({dates})."),
        lines: role_lines(&h.title, &h.department, Some(dates)),
        order: 0,
    }
}

fn current_spot(title: &str, department: &str, since: Option<NaiveDate>) -> Spot {
    let named = who(title, department);
    let named = if named.is_empty() { "not recorded".to_owned() } else { named };
    let sentence = match since {
        Some(d) => format!("Current hold: {named} (since {}).", month(d)),
        None => format!("Current hold: {named}."),
    };
    Spot {
        x: 0,
        y: 0,
        shape: Shape::Current,
        sentence,
        lines: role_lines(title, department, since.map(|d| format!("since {}", month(d)))),
        order: 0,
    }
}

fn step_spot(m: &PlannedMove, order: usize, x: i32, y: i32) -> Spot {
    let direction = m.kind.direction();
    let phrase = match direction {
        Direction::Up => "up".to_owned(),
        Direction::Sideways => "sideways to another team or department".to_owned(),
        Direction::Down => "down, a step back by choice".to_owned(),
        Direction::Here => format!("on the current hold ({})", m.kind.label().to_lowercase()),
    };
    let what = clean(&m.what);
    let what = if what.is_empty() { "Step not described".to_owned() } else { what };
    let q = quarter(m);
    let kind_line = match direction {
        Direction::Sideways => "another team or department",
        _ => m.kind.label(),
    };
    Spot {
        x,
        y,
        shape: Shape::Step(m.status, direction),
        sentence: format!("Planned step, {phrase}: {what} (quarter {q}, {}).", m.status.label().to_lowercase()),
        lines: vec![what, kind_line.to_owned(), format!("Q{q} · {}", m.status.label())],
        order,
    }
}

/// One sentence saying what the picture shows, for its `<desc>`.
fn summary(plan: &Plan) -> String {
    let holds = match plan.earlier.len() {
        0 => "the current hold".to_owned(),
        1 => "one earlier hold and the current hold".to_owned(),
        n => format!("{n} earlier holds and the current hold"),
    };
    let count = |d: Direction| plan.moves.iter().filter(|s| matches!(s.shape, Shape::Step(_, x) if x == d)).count();
    let steps = match plan.moves.len() {
        0 => "no planned steps yet".to_owned(),
        n => format!(
            "{n} planned step{}: {} up, {} sideways, {} down and {} on the current hold",
            if n == 1 { "" } else { "s" },
            count(Direction::Up),
            count(Direction::Sideways),
            count(Direction::Down),
            count(Direction::Here),
        ),
    };
    format!("Climbing wall with {holds}, and {steps}. {CAPTION}")
}

/// Writes to a `String`, which cannot fail.
macro_rules! w {
    ($($arg:tt)*) => {
        let _ = write!($($arg)*);
    };
}

fn render(plan: &mut Plan, id: &str) -> String {
    let summary = summary(plan);
    let title = if plan.current_named.is_empty() {
        "Climbing wall".to_owned()
    } else {
        format!("Climbing wall: {}", plan.current_named)
    };

    let (left, top, right, bottom) = plan.bounds();
    let (content_w, content_h) = (right - left, bottom - top);
    let inner_w = content_w.max(LEGEND_COLS * LEGEND_ITEM_W);
    let width = inner_w + 2 * MARGIN;
    plan.shift(MARGIN + (inner_w - content_w) / 2 - left, TOP - top);
    let legend_y = TOP + content_h + 2 * GAP;
    let height = legend_y + LEGEND_H + MARGIN;

    let mut out = String::with_capacity(16_384);
    w!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"wall\" viewBox=\"0 0 {width} {height}\" width=\"100%\" \
         preserveAspectRatio=\"xMidYMin meet\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\" \
         font-family=\"system-ui, sans-serif\" font-size=\"12\" fill=\"{TEXT}\">"
    );
    w!(out, "<title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>", esc(&title), esc(&summary));
    // White, not transparent, so it prints and reads the same on a dark page.
    w!(out, "<rect class=\"wall-background\" x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>");
    w!(
        out,
        "<text class=\"wall-heading\" x=\"{MARGIN}\" y=\"30\" font-size=\"18\" font-weight=\"700\">Climbing wall</text>"
    );
    w!(out, "<text class=\"wall-caption\" x=\"{MARGIN}\" y=\"50\" font-size=\"13\">{CAPTION}</text>");

    if let Some((x, y, bw, bh)) = plan.band {
        w!(
            out,
            "<rect class=\"wall-here-band\" x=\"{x}\" y=\"{y}\" width=\"{bw}\" height=\"{bh}\" rx=\"14\" \
             fill=\"#f7f3ea\" stroke=\"#d9cfbd\"/>"
        );
    }
    for h in &plan.headings {
        w!(
            out,
            "<text class=\"wall-region-heading\" x=\"{}\" y=\"{}\" font-size=\"12\" font-weight=\"700\" fill=\"#3a3a3a\">{}</text>",
            h.x,
            h.y,
            h.text
        );
    }

    // Dotted, under the holds: the way the person came, then the first hold
    // within reach in each direction.
    out.push_str(
        "<g class=\"wall-route\" fill=\"none\" stroke=\"#6f6f6f\" stroke-width=\"2.5\" stroke-linecap=\"round\" \
         stroke-dasharray=\"0.1 7\">",
    );
    if !plan.route.is_empty() {
        let mut d = String::new();
        for (i, (x, y)) in plan.route.iter().enumerate() {
            w!(d, "{}{}{x} {y}", if i == 0 { "" } else { " " }, if i == 0 { "M" } else { "L" });
        }
        w!(out, "<path class=\"wall-route-climbed\" d=\"{d}\"/>");
    }
    for &(direction, [(x1, y1), (x2, y2)]) in &plan.reach {
        w!(out, "<path class=\"wall-reach wall-dir-{}\" d=\"M{x1} {y1} L{x2} {y2}\"/>", direction_name(direction));
    }
    out.push_str("</g>");

    let spots = plan.earlier.iter().chain(std::iter::once(&plan.current)).chain(&plan.moves);
    for (variant, s) in spots.enumerate() {
        spot(&mut out, s, variant);
    }

    let legend = [
        ("Earlier hold", Shape::Earlier, "wall-hold-earlier"),
        ("Current hold", Shape::Current, "wall-hold-current"),
        ("Planned", Shape::Step(StepStatus::Planned, Direction::Here), "wall-status-planned"),
        ("In progress", Shape::Step(StepStatus::InProgress, Direction::Here), "wall-status-in-progress"),
        ("Done", Shape::Step(StepStatus::Done, Direction::Here), "wall-status-done"),
        ("Dropped", Shape::Step(StepStatus::Dropped, Direction::Here), "wall-status-dropped"),
    ];
    let legend_x = (width - LEGEND_COLS * LEGEND_ITEM_W) / 2;
    out.push_str("<g class=\"wall-legend\">");
    for (i, (label, shape, class)) in legend.into_iter().enumerate() {
        let i = i as i32;
        let x = legend_x + (i % LEGEND_COLS) * LEGEND_ITEM_W + 18;
        let y = legend_y + (i / LEGEND_COLS) * LEGEND_ROW_H + 12;
        w!(out, "<g class=\"wall-legend-item {class}\" transform=\"translate({x} {y})\">");
        paint(&mut out, shape, 17.0, 11.0, i as usize);
        w!(out, "<text x=\"24\" y=\"4\" font-size=\"12\">{label}</text></g>");
    }
    out.push_str("</g></svg>");
    out
}

fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Here => "here",
        Direction::Up => "up",
        Direction::Sideways => "sideways",
        Direction::Down => "down",
    }
}

fn status_name(s: StepStatus) -> &'static str {
    match s {
        StepStatus::Planned => "planned",
        StepStatus::InProgress => "in-progress",
        StepStatus::Done => "done",
        StepStatus::Dropped => "dropped",
    }
}

/// One hold or step: its shape, its labels, and its full sentence as the tooltip.
fn spot(out: &mut String, s: &Spot, variant: usize) {
    let (cx, cy) = s.centre();
    let (class, rx, ry) = match s.shape {
        Shape::Earlier => ("wall-hold wall-hold-earlier".to_owned(), 40.0, 24.0),
        Shape::Current => ("wall-hold wall-hold-current".to_owned(), 52.0, 30.0),
        Shape::Step(status, direction) => {
            let class = format!("wall-move wall-dir-{} wall-status-{}", direction_name(direction), status_name(status));
            // Growth in place gets small holds: they are footholds on the same spot.
            if direction == Direction::Here { (class, 26.0, 16.0) } else { (class, 34.0, 21.0) }
        }
    };
    w!(out, "<g class=\"{class}\" transform=\"translate({cx} {cy})\"><title>{}</title>", esc(&s.sentence));
    paint(out, s.shape, rx, ry, variant);
    if matches!(s.shape, Shape::Current) {
        out.push_str("<text class=\"wall-now\" x=\"0\" y=\"4\" text-anchor=\"middle\" font-size=\"12\" font-weight=\"700\">now</text>");
    }
    let fill = if matches!(s.shape, Shape::Step(StepStatus::Dropped, _)) { MUTED_TEXT } else { TEXT };
    // A white halo keeps labels legible where the dotted route passes behind them.
    w!(
        out,
        "<g class=\"wall-labels\" text-anchor=\"middle\" fill=\"{fill}\" stroke=\"#ffffff\" stroke-width=\"3\" \
         stroke-linejoin=\"round\" paint-order=\"stroke\">"
    );
    for (i, line) in s.lines.iter().enumerate() {
        let y = LABEL_Y + i as i32 * LINE_H;
        if i == 0 {
            w!(
                out,
                "<text x=\"0\" y=\"{y}\" font-size=\"12\" font-weight=\"600\">{}</text>",
                esc(&fit(line, FIRST_LINE_UNITS))
            );
        } else {
            w!(out, "<text x=\"0\" y=\"{y}\" font-size=\"11\">{}</text>", esc(&fit(line, LINE_UNITS)));
        }
    }
    out.push_str("</g></g>");
}

/// The shape of a hold and its status mark. Status never rests on colour
/// alone: planned is hollow with a ring, in progress carries a half-filled
/// disc, done a check mark, dropped a dashed grey outline and a cross.
fn paint(out: &mut String, shape: Shape, rx: f64, ry: f64, variant: usize) {
    let (fill, stroke, stroke_width, dash) = match shape {
        Shape::Earlier => ("#d9cfbd", "#5c5040", "2", ""),
        Shape::Current => ("#f2b134", "#6b4300", "3.5", ""),
        Shape::Step(StepStatus::Planned, _) => ("#ffffff", "#1d4f91", "2.5", ""),
        Shape::Step(StepStatus::InProgress, _) => ("#a9c8ec", "#1d4f91", "2.5", ""),
        Shape::Step(StepStatus::Done, _) => ("#2f7d4a", "#1b4a2c", "2.5", ""),
        Shape::Step(StepStatus::Dropped, _) => ("#f0f0f0", "#767676", "2", " stroke-dasharray=\"5 3\""),
    };
    w!(
        out,
        "<path class=\"wall-shape\" d=\"{}\" fill=\"{fill}\" stroke=\"{stroke}\" stroke-width=\"{stroke_width}\"{dash}/>",
        blob(rx, ry, variant)
    );
    match shape {
        // The bolt hole of a real climbing hold.
        Shape::Earlier => out.push_str("<circle class=\"wall-mark\" r=\"2.5\" fill=\"#5c5040\"/>"),
        Shape::Current => {}
        Shape::Step(StepStatus::Planned, _) => out.push_str(
            "<circle class=\"wall-mark wall-mark-planned\" r=\"5\" fill=\"none\" stroke=\"#1d4f91\" stroke-width=\"1.5\"/>",
        ),
        Shape::Step(StepStatus::InProgress, _) => out.push_str(
            "<circle class=\"wall-mark wall-mark-in-progress\" r=\"5\" fill=\"#ffffff\" stroke=\"#1d4f91\" \
             stroke-width=\"1.5\"/><path class=\"wall-mark wall-mark-in-progress\" d=\"M0 -5 A5 5 0 0 1 0 5 Z\" \
             fill=\"#1d4f91\"/>",
        ),
        Shape::Step(StepStatus::Done, _) => out.push_str(
            "<path class=\"wall-mark wall-mark-done\" d=\"M-6 0 L-2 4 L6 -5\" fill=\"none\" stroke=\"#ffffff\" \
             stroke-width=\"2.5\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>",
        ),
        Shape::Step(StepStatus::Dropped, _) => out.push_str(
            "<path class=\"wall-mark wall-mark-dropped\" d=\"M-4 -4 L4 4 M4 -4 L-4 4\" fill=\"none\" \
             stroke=\"#555555\" stroke-width=\"1.5\" stroke-linecap=\"round\"/>",
        ),
    }
}

/// Eight directions around a hold's centre; constants rather than
/// trigonometry, so every platform writes the same bytes.
const D: f64 = std::f64::consts::FRAC_1_SQRT_2;
const AROUND: [(f64, f64); 8] = [(1.0, 0.0), (D, D), (0.0, 1.0), (-D, D), (-1.0, 0.0), (-D, -D), (0.0, -1.0), (D, -D)];

/// How far each of the eight points reaches, for four hold shapes.
const WOBBLE: [[f64; 8]; 4] = [
    [1.00, 0.92, 1.08, 0.86, 0.97, 1.08, 0.90, 1.02],
    [0.94, 1.06, 0.90, 1.00, 1.05, 0.86, 1.04, 0.95],
    [1.04, 0.88, 0.98, 1.08, 0.92, 0.98, 1.06, 0.88],
    [0.92, 1.03, 1.05, 0.92, 1.00, 0.94, 0.96, 1.08],
];

/// A closed, rounded, slightly irregular outline around (0, 0): a quadratic
/// curve through the midpoints between eight wobbled points.
fn blob(rx: f64, ry: f64, variant: usize) -> String {
    let wobble = WOBBLE[variant % WOBBLE.len()];
    let points: Vec<(f64, f64)> = AROUND.iter().zip(wobble).map(|(&(ux, uy), m)| (ux * rx * m, uy * ry * m)).collect();
    let mid = |a: (f64, f64), b: (f64, f64)| ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
    let n = points.len();
    let start = mid(points[n - 1], points[0]);
    let mut d = String::with_capacity(200);
    let point = |d: &mut String, (x, y): (f64, f64)| {
        put_num(d, x);
        d.push(' ');
        put_num(d, y);
    };
    d.push('M');
    point(&mut d, start);
    for i in 0..n {
        d.push_str(" Q");
        point(&mut d, points[i]);
        d.push(' ');
        point(&mut d, mid(points[i], points[(i + 1) % n]));
    }
    d.push_str(" Z");
    d
}

/// A coordinate to one decimal, without a trailing `.0` or a negative zero.
#[cfg(test)]
fn num(v: f64) -> String {
    let mut s = String::new();
    put_num(&mut s, v);
    s
}

/// Writes a coordinate to one decimal, without a trailing `.0` or a negative
/// zero, into `out`, in whole tenths: formatting a float to a
/// fixed precision was a tenth of the plan page's CPU time under load.
fn put_num(out: &mut String, v: f64) {
    // Rounds half away from zero, as `{:.1}` of the rounded value did; the
    // cast saturates, and the wall's coordinates are small finite numbers.
    let tenths = (v * 10.0).round() as i64;
    if tenths < 0 {
        out.push('-');
    }
    let t = tenths.unsigned_abs();
    w!(out, "{}", t / 10);
    if !t.is_multiple_of(10) {
        out.push('.');
        out.push(char::from(b'0' + (t % 10) as u8));
    }
}

/// User text made fit for one line of XML: characters XML forbids are
/// dropped, and so are bidi embeddings, overrides and isolates, which could
/// otherwise reorder the sentence around the text; runs of white space
/// become one space.
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else if c.is_control()
            || matches!(c, '\u{FFFE}' | '\u{FFFF}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
        {
            continue;
        } else {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Rough width of a character in narrow-letter units: wide scripts and emoji
/// take two, combining marks and joiners none. Good enough to keep labels
/// within their cell without measuring fonts.
fn char_units(c: char) -> usize {
    match c as u32 {
        0x0300..=0x036F | 0x200B..=0x200F | 0xFE00..=0xFE0F | 0x1F3FB..=0x1F3FF | 0xE0000..=0xE01EF => 0,
        0x1100..=0x115F
        | 0x2600..=0x27BF
        | 0x2E80..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x1F000..=0x1FAFF
        | 0x20000..=0x3FFFD => 2,
        _ => 1,
    }
}

/// The text cut to `units` with an ellipsis, when it is longer; the full
/// text stays in the tooltip and the description.
fn fit(s: &str, units: usize) -> String {
    if s.chars().map(char_units).sum::<usize>() <= units {
        return s.to_owned();
    }
    let mut used = 0;
    let mut out = String::new();
    for c in s.chars() {
        used += char_units(c);
        if used >= units {
            break;
        }
        out.push(c);
    }
    let mut out = out.trim_end_matches(|c: char| c.is_whitespace() || c == '\u{200D}').to_owned();
    out.push('…');
    out
}

/// Escapes the five characters XML gives meaning to, for text nodes and attributes alike.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn hold(title: &str, department: &str, from: &str, to: Option<&str>) -> Hold {
        Hold { title: title.into(), department: department.into(), from: d(from), to: to.map(d) }
    }

    fn step(kind: StepKind, what: &str, status: StepStatus, q: u32) -> PlannedMove {
        PlannedMove { kind, what: what.into(), status, target_quarter: q }
    }

    fn typical() -> Wall {
        Wall {
            holds: vec![
                hold("Product Designer", "Design", "2024-01-08", None),
                hold("Junior Designer", "Marketing", "2021-03-01", Some("2023-06-30")),
                hold("Design Intern", "Marketing", "2020-09-01", Some("2021-02-28")),
            ],
            moves: vec![
                step(StepKind::StepUp, "Lead the design review", StepStatus::Planned, 3),
                step(StepKind::MoveSideways, "Join research for a quarter", StepStatus::InProgress, 2),
                step(StepKind::StepBack, "Hand back the team lead hat", StepStatus::Dropped, 4),
                step(StepKind::DeepenExpertise, "Run the accessibility crit", StepStatus::Done, 1),
            ],
            current_title: "Product Designer".into(),
            current_department: "Design".into(),
        }
    }

    fn large() -> Wall {
        let kinds = StepKind::ALL;
        let holds = (0..12)
            .map(|i| {
                let from = d("2010-01-01") + chrono::Months::new(i * 6);
                let to = if i == 11 { None } else { Some(from + chrono::Months::new(6) - chrono::Days::new(1)) };
                Hold { title: format!("Role number {i} with a long title"), department: format!("Dept {i}"), from, to }
            })
            .collect();
        let moves = (0..20)
            .map(|i| {
                step(
                    kinds[i % kinds.len()],
                    &format!("Step {i} that has quite a long description"),
                    StepStatus::ALL[i % 4],
                    (i % 4) as u32 + 1,
                )
            })
            .collect();
        Wall { holds, moves, current_title: String::new(), current_department: String::new() }
    }

    /// Parses the picture and checks what every picture must be: well-formed,
    /// labelled for screen readers, scalable, and free of script and inline style.
    fn check(svg: &str) -> roxmltree::Document<'_> {
        let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
        let root = doc.root_element();
        assert!(root.has_tag_name("svg"));
        assert_eq!(root.attribute("role"), Some("img"));
        assert_eq!(root.attribute("width"), Some("100%"));
        let (w, h) = size(&doc);
        assert!(w > 0.0 && h > 0.0);
        let ids: Vec<&str> = root.attribute("aria-labelledby").expect("labelled").split(' ').collect();
        assert_eq!(ids.len(), 2);
        for (id, tag) in ids.into_iter().zip(["title", "desc"]) {
            let node = doc.descendants().find(|n| n.attribute("id") == Some(id)).expect("labelled by an element");
            assert!(node.has_tag_name(tag) && node.parent() == Some(root), "{id}");
            assert!(node.text().is_some_and(|t| !t.is_empty()), "{id}");
        }
        assert!(root.first_element_child().is_some_and(|n| n.has_tag_name("title")));
        for n in doc.descendants().filter(|n| n.is_element()) {
            for tag in ["script", "style", "foreignObject", "a", "image", "use"] {
                assert!(!n.has_tag_name(tag), "<{tag}> in {svg}");
            }
            for a in n.attributes() {
                assert!(a.name() != "style" && !a.name().starts_with("on") && a.name() != "href", "{}", a.name());
            }
        }
        // Labels drawn in the picture fit their cell; full texts live in <title>.
        for t in doc
            .descendants()
            .filter(|n| n.has_tag_name("text") && n.parent().is_some_and(|p| has_class(p, "wall-labels")))
        {
            let text = t.text().unwrap_or("");
            assert!(text.chars().map(char_units).sum::<usize>() <= LINE_UNITS, "{text}");
        }
        doc
    }

    fn size(doc: &roxmltree::Document) -> (f64, f64) {
        let v: Vec<f64> = doc
            .root_element()
            .attribute("viewBox")
            .expect("viewBox")
            .split(' ')
            .map(|v| v.parse().expect("number"))
            .collect();
        assert_eq!(&v[..2], &[0.0, 0.0]);
        (v[2], v[3])
    }

    fn has_class(n: roxmltree::Node, class: &str) -> bool {
        n.attribute("class").is_some_and(|c| c.split(' ').any(|c| c == class))
    }

    /// Groups with a class, outside the legend.
    fn groups<'a, 'i>(doc: &'a roxmltree::Document<'i>, class: &str) -> Vec<roxmltree::Node<'a, 'i>> {
        doc.descendants()
            .filter(|n| n.has_tag_name("g") && has_class(*n, class))
            .filter(|n| !n.ancestors().any(|a| has_class(a, "wall-legend")))
            .collect()
    }

    fn at(n: roxmltree::Node) -> (f64, f64) {
        let t = n.attribute("transform").expect("transform");
        let inner = t.strip_prefix("translate(").and_then(|t| t.strip_suffix(')')).expect("translate");
        let mut p = inner.split(' ').map(|v| v.parse::<f64>().expect("number"));
        (p.next().expect("x"), p.next().expect("y"))
    }

    /// The tooltip of a hold or step.
    fn tooltip<'a>(n: roxmltree::Node<'a, '_>) -> &'a str {
        n.first_element_child().filter(|t| t.has_tag_name("title")).and_then(|t| t.text()).expect("title")
    }

    fn the<'a, 'i>(doc: &'a roxmltree::Document<'i>, class: &str) -> roxmltree::Node<'a, 'i> {
        let found = groups(doc, class);
        assert_eq!(found.len(), 1, "{class}");
        found[0]
    }

    #[test]
    fn an_empty_wall_is_small_and_still_says_where_the_person_is() {
        let pic = draw(&Wall::default());
        let doc = check(&pic.svg);
        assert_eq!(pic.description, vec!["Current hold: not recorded.".to_owned()]);
        let (w, h) = size(&doc);
        assert!(w <= 600.0 && h <= 400.0, "{w}x{h}");
        the(&doc, "wall-hold-current");
        assert!(groups(&doc, "wall-move").is_empty() && groups(&doc, "wall-hold-earlier").is_empty());
        assert!(pic.svg.contains(CAPTION));

        let named =
            Wall { current_title: "Product Designer".into(), current_department: "Design".into(), ..Wall::default() };
        let pic = draw(&named);
        let doc = check(&pic.svg);
        assert_eq!(pic.description, vec!["Current hold: Product Designer, Design.".to_owned()]);
        let title = doc.root_element().first_element_child().and_then(|t| t.text());
        assert_eq!(title, Some("Climbing wall: Product Designer, Design"));
    }

    #[test]
    fn the_description_has_one_sentence_per_hold_and_step() {
        let pic = draw(&typical());
        check(&pic.svg);
        assert_eq!(
            pic.description,
            [
                "Earlier hold: Design Intern, Marketing (Sep 2020 – Feb 2021).",
                "Earlier hold: Junior Designer, Marketing (Mar 2021 – Jun 2023).",
                "Current hold: Product Designer, Design (since Jan 2024).",
                "Planned step, on the current hold (deepen expertise): Run the accessibility crit (quarter 1, done).",
                "Planned step, sideways to another team or department: Join research for a quarter (quarter 2, in progress).",
                "Planned step, up: Lead the design review (quarter 3, planned).",
                "Planned step, down, a step back by choice: Hand back the team lead hat (quarter 4, dropped).",
            ]
        );
        let desc = roxmltree::Document::parse(&pic.svg)
            .expect("xml")
            .descendants()
            .find(|n| n.has_tag_name("desc"))
            .and_then(|n| n.text().map(str::to_owned));
        assert_eq!(
            desc.as_deref(),
            Some(
                "Climbing wall with 2 earlier holds and the current hold, and 4 planned steps: 1 up, 1 sideways, \
                 1 down and 1 on the current hold. Sideways and down are moves too."
            )
        );
    }

    #[test]
    fn each_step_is_drawn_where_it_leads() {
        let pic = draw(&typical());
        let doc = check(&pic.svg);
        let (cx, cy) = at(the(&doc, "wall-hold-current"));
        let up = the(&doc, "wall-dir-up");
        let side = the(&doc, "wall-dir-sideways");
        let down = the(&doc, "wall-dir-down");
        let here = the(&doc, "wall-dir-here");
        let (ux, uy) = at(up);
        assert!(uy <= cy - CELL_H as f64 && ux == cx, "up above: {ux},{uy} vs {cx},{cy}");
        let (sx, sy) = at(side);
        assert!(sx >= cx + CELL_W as f64 && sy == cy, "sideways beside: {sx},{sy}");
        let (dx, dy) = at(down);
        assert!(dy >= cy + CELL_H as f64 && dx == cx, "down below: {dx},{dy}");
        let (hx, hy) = at(here);
        assert!((hx - cx).abs() <= CELL_W as f64 && (hy - cy).abs() <= CELL_H as f64, "here beside the current hold");
        for (n, sentence) in [(up, 5), (side, 4), (down, 6), (here, 3)] {
            assert_eq!(tooltip(n), pic.description[sentence]);
        }
        let side_text: Vec<&str> = side.descendants().filter_map(|n| n.text()).collect();
        assert!(side_text.contains(&"another team or department"), "{side_text:?}");
        for h in groups(&doc, "wall-hold-earlier") {
            assert!(at(h).0 < cx);
        }
        // The dotted route: the way climbed, and a reach to the first step each way.
        the_path(&doc, "wall-route-climbed");
        for d in ["up", "sideways", "down"] {
            let reach = doc
                .descendants()
                .filter(|n| {
                    n.has_tag_name("path") && has_class(*n, "wall-reach") && has_class(*n, &format!("wall-dir-{d}"))
                })
                .count();
            assert_eq!(reach, 1, "{d}");
        }
        let dashes =
            doc.descendants().find(|n| has_class(*n, "wall-route")).and_then(|n| n.attribute("stroke-dasharray"));
        assert!(dashes.is_some());
    }

    fn the_path(doc: &roxmltree::Document, class: &str) {
        assert_eq!(doc.descendants().filter(|n| n.has_tag_name("path") && has_class(*n, class)).count(), 1, "{class}");
    }

    #[test]
    fn status_shows_by_class_colour_and_mark() {
        let pic = draw(&typical());
        let doc = check(&pic.svg);
        for (status, mark) in [
            ("planned", "wall-mark-planned"),
            ("in-progress", "wall-mark-in-progress"),
            ("done", "wall-mark-done"),
            ("dropped", "wall-mark-dropped"),
        ] {
            let g = the(&doc, &format!("wall-status-{status}"));
            assert!(has_class(g, "wall-move"));
            assert!(g.descendants().any(|n| has_class(n, mark)), "{status} has its mark");
            let shape = g.descendants().find(|n| has_class(*n, "wall-shape")).expect("shape");
            assert_eq!(shape.attribute("stroke-dasharray").is_some(), status == "dropped", "{status}");
            // The legend explains each one.
            assert!(
                doc.descendants()
                    .any(|n| has_class(n, "wall-legend-item") && has_class(n, &format!("wall-status-{status}")))
            );
        }
        let fills: Vec<&str> = ["planned", "in-progress", "done", "dropped"]
            .iter()
            .map(|s| {
                let g = the(&doc, &format!("wall-status-{s}"));
                g.descendants().find(|n| has_class(*n, "wall-shape")).and_then(|n| n.attribute("fill")).expect("fill")
            })
            .collect();
        let mut distinct = fills.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 4, "{fills:?}");
        // Printable: a white background under everything.
        let bg = doc.descendants().find(|n| has_class(*n, "wall-background")).expect("background");
        assert_eq!(bg.attribute("fill"), Some("#ffffff"));
    }

    #[test]
    fn hostile_text_is_only_ever_escaped_text() {
        let hostile = ["<script>alert(1)</script>", "\"'&", "Climber 🧗‍♀️ 🇳🇴 team", "مهندسة برمجيات أولى"];
        let wall = Wall {
            holds: hostile
                .iter()
                .enumerate()
                .map(|(i, t)| hold(t, hostile[(i + 1) % 4], &format!("201{i}-01-01"), Some(&format!("201{i}-12-31"))))
                .collect(),
            moves: StepKind::ALL
                .iter()
                .enumerate()
                .map(|(i, &k)| step(k, hostile[i % 4], StepStatus::ALL[i % 4], 1))
                .collect(),
            current_title: hostile[0].into(),
            current_department: hostile[1].into(),
        };
        let pic = draw(&wall);
        let doc = check(&pic.svg);
        assert!(!pic.svg.contains("<script") && !pic.svg.contains("</script"));
        assert!(pic.svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!pic.svg.contains("\"'&") && pic.svg.contains("&quot;&#39;&amp;"));
        // The full texts come back as text, whole, from the tooltips.
        let texts: Vec<&str> = doc.descendants().filter(|n| n.has_tag_name("title")).filter_map(|n| n.text()).collect();
        for h in hostile {
            assert!(texts.iter().any(|t| t.contains(h)), "{h} in {texts:?}");
        }
        // User text never reaches an attribute.
        for n in doc.descendants().filter(|n| n.is_element()) {
            for a in n.attributes() {
                for needle in ["alert", "🧗", "مهندسة", "'", "&"] {
                    assert!(!a.value().contains(needle), "{}={}", a.name(), a.value());
                }
            }
        }
        // The description is plain text for the page's template to escape.
        assert!(pic.description.iter().any(|s| s.contains("<script>alert(1)</script>")));
        assert!(pic.description.iter().any(|s| s.contains("مهندسة برمجيات أولى")));
    }

    #[test]
    fn characters_xml_forbids_and_bidi_overrides_are_dropped() {
        assert_eq!(clean("  a\u{0}b\u{1b}c\u{202E}d\u{2066}e\u{FFFF}\n\t next  line "), "abcde next line");
        let wall = Wall {
            current_title: "Lead\u{0}\u{8}\u{B}\u{C} designer\u{202E}".into(),
            current_department: "\u{7F}\u{85}\u{9F}R&D".into(),
            ..Wall::default()
        };
        let pic = draw(&wall);
        check(&pic.svg);
        assert_eq!(pic.description, vec!["Current hold: Lead designer, R&D.".to_owned()]);
        assert_eq!(esc("<a href='x'>\"&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&quot;&amp;&quot;&lt;/a&gt;");
    }

    #[test]
    fn long_labels_are_cut_in_the_picture_and_kept_whole_elsewhere() {
        let long = "Principal Staff Distinguished Senior Lead Product Design Engineer for Platform";
        let wide = "研究開発部門のシニアエンジニアリングマネージャー";
        let mut wall = typical();
        wall.holds[0].title = long.into();
        wall.holds[0].department = wide.into();
        wall.moves[0].what = long.repeat(20);
        let pic = draw(&wall);
        let doc = check(&pic.svg);
        let current = the(&doc, "wall-hold-current");
        let shown: Vec<&str> = current
            .descendants()
            .filter(|n| n.parent().is_some_and(|p| has_class(p, "wall-labels")))
            .filter_map(|n| n.text())
            .collect();
        assert!(shown[0].ends_with('…') && long.starts_with(shown[0].trim_end_matches('…')), "{shown:?}");
        assert!(shown[1].ends_with('…') && shown[1].chars().count() <= LINE_UNITS / 2 + 1, "{shown:?}");
        assert!(tooltip(current).contains(long) && tooltip(current).contains(wide));
        assert!(pic.description.iter().any(|s| s.contains(&long.repeat(20))));
        assert_eq!(fit("short", 10), "short");
        assert_eq!(fit("exactly ten", 11), "exactly ten");
        assert_eq!(fit("a little too long", 10), "a little…");
    }

    #[test]
    fn many_holds_and_steps_do_not_overlap() {
        let mut crowded = typical();
        crowded.moves = StepKind::ALL
            .iter()
            .flat_map(|&k| {
                (0..20).map(move |i| step(k, &format!("{} {i}", k.label()), StepStatus::ALL[i % 4], i as u32 % 4 + 1))
            })
            .collect();
        crowded.holds.extend(
            (0..12).map(|i| hold(&format!("Role {i}"), "Team", &format!("19{}-01-01", 80 + i), Some("1999-12-31"))),
        );
        for wall in [large(), crowded] {
            let pic = draw(&wall);
            let doc = check(&pic.svg);
            let open = usize::from(!wall.holds.iter().any(|h| h.to.is_none()));
            assert_eq!(pic.description.len(), wall.holds.len() + open + wall.moves.len());
            let (w, h) = size(&doc);
            let mut spots: Vec<(f64, f64)> = groups(&doc, "wall-hold").into_iter().map(at).collect();
            assert_eq!(spots.len(), wall.holds.len() + open);
            spots.extend(groups(&doc, "wall-move").into_iter().map(at));
            assert_eq!(spots.len(), pic.description.len());
            let (cw, ch) = (CELL_W as f64, CELL_H as f64);
            for (i, a) in spots.iter().enumerate() {
                assert!(a.0 - cw / 2.0 >= 0.0 && a.0 + cw / 2.0 <= w, "inside: {a:?} in {w}");
                assert!(a.1 - SHAPE_Y as f64 >= 0.0 && a.1 - SHAPE_Y as f64 + ch <= h, "inside: {a:?} in {h}");
                for b in &spots[i + 1..] {
                    assert!((a.0 - b.0).abs() >= cw || (a.1 - b.1).abs() >= ch, "{a:?} overlaps {b:?}");
                }
            }
            // Headings sit in the gaps, not on a hold or its labels.
            for t in doc.descendants().filter(|n| has_class(*n, "wall-region-heading")) {
                let x: f64 = t.attribute("x").and_then(|v| v.parse().ok()).expect("x");
                let y: f64 = t.attribute("y").and_then(|v| v.parse().ok()).expect("y");
                let len = t.text().map_or(0, |s| s.chars().count()) as f64 * 8.0;
                for s in &spots {
                    let (left, top) = (s.0 - cw / 2.0 + 4.0, s.1 - SHAPE_Y as f64 + 4.0);
                    let apart = x + len < left || x > left + cw - 8.0 || y < top || y - 13.0 > top + ch - 8.0;
                    assert!(apart, "heading {:?} on {s:?}", t.text());
                }
            }
            // The legend comes after the wall.
            let lowest = spots.iter().map(|s| s.1).fold(f64::MIN, f64::max);
            for item in doc.descendants().filter(|n| has_class(*n, "wall-legend-item")) {
                assert!(at(item).1 > lowest + ch - SHAPE_Y as f64);
            }
        }
    }

    #[test]
    fn the_same_wall_gives_the_same_bytes_whatever_the_order_of_holds() {
        let wall = typical();
        let first = draw(&wall);
        assert_eq!(first, draw(&wall.clone()));
        let mut shuffled = wall.clone();
        shuffled.holds.reverse();
        assert_eq!(draw(&shuffled), first);
        // Even holds that started on the same day.
        let mut twins = wall.clone();
        twins.holds.push(hold("Mentor", "Guild", "2021-03-01", Some("2022-03-01")));
        let mut swapped = twins.clone();
        let last = swapped.holds.len() - 1;
        swapped.holds.swap(1, last);
        assert_eq!(draw(&twins), draw(&swapped));
        assert_eq!(draw(&large()), draw(&large()));
    }

    #[test]
    fn the_current_hold_is_the_open_one_that_started_last() {
        let mut wall = typical();
        wall.holds.push(hold("Acting Lead", "Design", "2023-07-01", None));
        let pic = draw(&wall);
        check(&pic.svg);
        assert_eq!(pic.description[3], "Current hold: Product Designer, Design (since Jan 2024).");
        assert_eq!(pic.description[2], "Earlier hold: Acting Lead, Design (since Jul 2023).");

        // No open hold: the current one comes from the wall's own fields.
        let mut closed = typical();
        closed.holds.remove(0);
        closed.current_title = "Researcher".into();
        closed.current_department = "Research".into();
        let pic = draw(&closed);
        check(&pic.svg);
        assert_eq!(pic.description.len(), 2 + 1 + 4);
        assert_eq!(pic.description[2], "Current hold: Researcher, Research.");
    }

    #[test]
    fn ids_can_be_made_unique_per_page() {
        let pic = draw_with_id(&typical(), "plan-7\"><script>");
        let doc = check(&pic.svg);
        assert_eq!(doc.root_element().attribute("aria-labelledby"), Some("plan-7script-title plan-7script-desc"));
        assert!(draw_with_id(&typical(), "").svg.contains("aria-labelledby=\"wall-title wall-desc\""));
    }

    #[test]
    fn coordinates_are_written_the_same_everywhere() {
        assert_eq!(num(-0.04), "0");
        assert_eq!(num(12.0), "12");
        assert_eq!(num(-3.25), "-3.3");
        assert!(blob(30.0, 20.0, 5).starts_with('M') && blob(30.0, 20.0, 5).ends_with('Z'));
        assert_eq!(blob(30.0, 20.0, 0).split(' ').filter(|p| p.starts_with('Q')).count(), 8, "eight curves");
        assert_eq!(num(0.05), "0.1");
        assert_eq!(num(-0.05), "-0.1");
        assert_eq!(num(-12.0), "-12");
    }

    proptest! {
        /// Whole tenths write what formatting the rounded float did.
        #[test]
        fn coordinates_match_float_formatting(v in -100_000.0f64..100_000.0) {
            let r = (v * 10.0).round() / 10.0 + 0.0;
            let s = format!("{r:.1}");
            let expected = s.strip_suffix(".0").map_or(s.clone(), str::to_owned);
            prop_assert_eq!(num(v), expected);
        }
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![any::<String>(), "[<>&\"' \\t\\n\\x00-\\x1Fa-z\u{202E}\u{2067}\u{FFFF}\u{FFFE}🧗ءب研]{0,60}"]
    }

    proptest! {
        #[test]
        fn any_text_and_steps_make_well_formed_xml(
            holds in proptest::collection::vec((text(), text(), 0u64..20_000, proptest::option::of(0u64..2_000)), 0..8),
            moves in proptest::collection::vec((0usize..6, text(), 0usize..4, 0u32..8), 0..24),
            current in text(),
        ) {
            let base = d("2000-01-01");
            let wall = Wall {
                holds: holds
                    .into_iter()
                    .map(|(title, department, from, len)| {
                        let from = base + chrono::Days::new(from);
                        Hold { title, department, from, to: len.map(|l| from + chrono::Days::new(l)) }
                    })
                    .collect(),
                moves: moves
                    .into_iter()
                    .map(|(k, what, s, q)| PlannedMove { kind: StepKind::ALL[k], what, status: StepStatus::ALL[s], target_quarter: q })
                    .collect(),
                current_title: current,
                current_department: String::new(),
            };
            let pic = draw(&wall);
            let doc = check(&pic.svg);
            let open = usize::from(!wall.holds.iter().any(|h| h.to.is_none()));
            prop_assert_eq!(pic.description.len(), wall.holds.len() + open + wall.moves.len());
            prop_assert_eq!(groups(&doc, "wall-move").len(), wall.moves.len());
            prop_assert_eq!(groups(&doc, "wall-hold").len(), wall.holds.len() + open);
            prop_assert!(!pic.svg.contains("<script"));
        }
    }
}
