//! Schedules in words ("daily at 6am", "every monday at 7", "hourly") to
//! 5-field cron expressions (UTC), and cron back to words.

use super::text::Tokens;

/// A schedule read from a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub cron: String,
    /// Assumptions made (a time kept from the old schedule, a default day...).
    pub assumed: Vec<String>,
}

const DAYS: &[(&str, u8)] = &[
    ("sunday", 0),
    ("sun", 0),
    ("monday", 1),
    ("mon", 1),
    ("tuesday", 2),
    ("tue", 2),
    ("tues", 2),
    ("wednesday", 3),
    ("wed", 3),
    ("thursday", 4),
    ("thu", 4),
    ("thurs", 4),
    ("friday", 5),
    ("fri", 5),
    ("saturday", 6),
    ("sat", 6),
];

/// "monday", "tues", "fridays": a day of the week.
pub fn is_day_word(w: &str) -> bool {
    let w = w.to_lowercase();
    let one = w.strip_suffix('s').unwrap_or(&w);
    DAYS.iter().any(|(d, _)| *d == w || *d == one)
}

const DAY_NAMES: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

fn day_of(word: &str) -> Option<u8> {
    let w = word
        .strip_suffix('s')
        .filter(|w| w.len() >= 3)
        .unwrap_or(word);
    DAYS.iter()
        .find(|(n, _)| *n == w || *n == word)
        .map(|&(_, d)| d)
}

/// Does the text in `from..to` talk about a schedule at all?
pub fn mentions_schedule(t: &Tokens, from: usize, to: usize) -> bool {
    const CUES: &[&str] = &[
        "daily",
        "hourly",
        "weekly",
        "monthly",
        "nightly",
        "quarterly",
        "every",
        "cron",
        "schedule",
        "weekday",
        "weekend",
        "noon",
        "midnight",
        "once",
        "twice",
    ];
    (from..to.min(t.len())).any(|i| {
        let w = t.word(i);
        // "each day" is a schedule; "on each side" is not.
        let each_period = w == "each"
            && matches!(
                t.toks.get(i + 1).map(|x| x.stem.as_str()),
                Some("day" | "week" | "month" | "night" | "hour" | "morning" | "evening")
            );
        each_period
            || CUES.contains(&w)
            || CUES.contains(&t.toks[i].stem.as_str())
            || day_of(w).is_some()
            || (w == "at" && time_at(t, i + 1).is_some())
    })
}

/// Reads a schedule from tokens `from..to`. `current` is the schedule being
/// replaced, whose time of day is kept when the request names none.
/// `Ok(None)`: nothing schedule-like was said; `Err`: it was, but is invalid.
pub fn parse(
    t: &Tokens,
    from: usize,
    to: usize,
    current: Option<&str>,
) -> Result<Option<Schedule>, String> {
    let to = to.min(t.len());
    if let Some(cron) = explicit_cron(t) {
        return Ok(Some(Schedule {
            cron,
            assumed: vec![],
        }));
    }
    if let Some(cron) = every_interval(t, from, to)? {
        return Ok(Some(Schedule {
            cron,
            assumed: vec![],
        }));
    }
    if let Some(cron) = shifted(t, from, to, current) {
        return Ok(Some(Schedule {
            cron,
            assumed: vec![],
        }));
    }
    let said = Span { t, from, to };
    let mut assumed = Vec::new();
    if said.has("hourly")
        || said.phrase("every hour")
        || said.phrase("each hour")
        || said.phrase("once an hour")
    {
        let minute = time_in(t, from, to)?.map(|(_, m)| m).unwrap_or(0);
        return Ok(Some(Schedule {
            cron: format!("{minute} * * * *"),
            assumed,
        }));
    }
    let p = Periods::said(&said);
    let time = time_in(t, from, to)?;
    let hours = hours_list(t, from, to)?;
    let (hour, minute) = time.unwrap_or_else(|| assumed_time(current, p.nightly, &mut assumed));

    let (dom, dow) = if p.weekdays && p.days.is_empty() {
        ("*".to_string(), "1-5".to_string())
    } else if p.weekends && p.days.is_empty() {
        ("*".to_string(), "0,6".to_string())
    } else if !p.days.is_empty() {
        let list: Vec<String> = p.days.iter().map(u8::to_string).collect();
        ("*".to_string(), list.join(","))
    } else if p.monthly {
        let dom = day_of_month(t, from, to)?.unwrap_or_else(|| {
            assumed.push(
                "runs on the 1st of the month (say e.g. \"on the 15th\" to change it)".into(),
            );
            1
        });
        (dom.to_string(), "*".to_string())
    } else if p.weekly {
        let dow = current_weekday(current).unwrap_or_else(|| {
            assumed.push("runs on Mondays (name a day to change it)".into());
            1
        });
        ("*".to_string(), dow.to_string())
    } else if p.daily || hours.is_some() {
        ("*".to_string(), "*".to_string())
    } else if time.is_some() {
        // "move the run to 5am": only the time changes, the days stay.
        match current.map(|c| c.split_whitespace().collect::<Vec<_>>()) {
            Some(f) if f.len() == 5 => {
                return Ok(Some(Schedule {
                    cron: format!("{minute} {hour} {} {} {}", f[2], f[3], f[4]),
                    assumed,
                }));
            }
            _ => ("*".to_string(), "*".to_string()),
        }
    } else {
        return Ok(None);
    };
    let month = p.month_step.map_or("*".to_string(), |n| match n {
        1 => "*".to_string(),
        n => format!("*/{n}"),
    });
    let hour = hours.unwrap_or_else(|| hour.to_string());
    Ok(Some(Schedule {
        cron: format!("{minute} {hour} {dom} {month} {dow}"),
        assumed,
    }))
}

/// A cron expression typed as such: quoted, or after the word "cron".
fn explicit_cron(t: &Tokens) -> Option<String> {
    for tok in t.toks.iter().filter(|x| x.quoted) {
        if is_cron(&tok.orig) {
            return Some(normalize_cron(&tok.orig));
        }
    }
    let lower = t.raw.to_lowercase();
    let at = lower.find("cron")?;
    let rest = &t.raw[at + 4..];
    let fields: Vec<&str> = rest
        .split_whitespace()
        .map(|f| f.trim_matches(|c: char| c == '"' || c == '\'' || c == '`'))
        .filter(|f| !f.is_empty())
        .skip_while(|f| {
            matches!(
                f.to_lowercase().as_str(),
                "to" | "of" | "=" | ":" | "is" | "expression" | "->" | "=>" | "→"
            )
        })
        .take(5)
        .collect();
    let joined = fields.join(" ");
    is_cron(&joined).then(|| normalize_cron(&joined))
}

/// Five fields of cron characters, as the schema's pattern wants.
pub fn is_cron(s: &str) -> bool {
    let fields: Vec<&str> = s.split_whitespace().collect();
    fields.len() == 5
        && fields.iter().all(|f| {
            f.chars()
                .all(|c| c.is_ascii_alphanumeric() || "*/,?#-".contains(c))
        })
        && fields
            .iter()
            .any(|f| f.chars().any(|c| c.is_ascii_digit() || c == '*'))
}

fn normalize_cron(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// "2 hours later", "an hour earlier": the hours to move the current time.
fn shift_hours(t: &Tokens, from: usize, to: usize) -> Option<i32> {
    let at = (from..to).find(|&i| matches!(t.word(i), "later" | "earlier"))?;
    let sign = if t.word(at) == "later" { 1 } else { -1 };
    let unit = at.checked_sub(1)?;
    if !matches!(t.toks[unit].stem.as_str(), "hour" | "hr" | "h") {
        return None;
    }
    let n = match t.word(unit.checked_sub(1)?) {
        "an" | "a" | "one" => 1,
        w => w.parse::<i32>().ok().filter(|n| (1..24).contains(n))?,
    };
    Some(sign * n)
}

/// Several times of day with one minute ("2:30 and 14:30"): the hours as
/// a cron list; None for one time or none.
fn hours_list(t: &Tokens, from: usize, to: usize) -> Result<Option<String>, String> {
    let mut times = Vec::new();
    let mut i = from;
    while i < to {
        let w = t.word(i);
        if (w.contains(':') || w.ends_with("am") || w.ends_with("pm"))
            && let Some(hm) = time_at(t, i)
        {
            times.push(hm?);
        }
        i += 1;
    }
    if times.len() < 2 || times.iter().any(|(_, m)| *m != times[0].1) {
        return Ok(None);
    }
    let mut hours: Vec<u8> = times.iter().map(|(h, _)| *h).collect();
    hours.sort_unstable();
    hours.dedup();
    Ok((hours.len() > 1).then(|| {
        hours
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(",")
    }))
}

/// The time of day said in `from..to`, as (hour, minute).
fn time_in(t: &Tokens, from: usize, to: usize) -> Result<Option<(u8, u8)>, String> {
    for i in from..to {
        let w = t.word(i);
        if w == "noon" || w == "midday" {
            return Ok(Some((12, 0)));
        }
        if w == "midnight" {
            return Ok(Some((0, 0)));
        }
        // "by 2am" is a time; "by 2 points" is not.
        let amount = matches!(t.word(i + 1), "points" | "point" | "pts" | "percent" | "%");
        let after_at = i > 0 && matches!(t.word(i - 1), "at" | "@" | "by" | "around") && !amount;
        let explicit = w.contains(':') || w.ends_with("am") || w.ends_with("pm");
        if (after_at || explicit)
            && let Some(hm) = time_at(t, i)
        {
            return hm.map(Some);
        }
    }
    Ok(None)
}

/// Reads "6", "6am", "6 am", "6:30", "6:30pm", "18:00", "7 o'clock" at token `i`.
fn time_at(t: &Tokens, i: usize) -> Option<Result<(u8, u8), String>> {
    let w = t.word(i);
    let (body, mut suffix) = if let Some(b) = w.strip_suffix("am") {
        (b, "am")
    } else if let Some(b) = w.strip_suffix("pm") {
        (b, "pm")
    } else {
        (w, "")
    };
    if suffix.is_empty() {
        suffix = match t.word(i + 1) {
            "am" | "a.m" => "am",
            "pm" | "p.m" => "pm",
            _ => "",
        };
    }
    let (h, m) = match body.split_once(':') {
        Some((h, m)) => (h.parse::<u32>().ok()?, m.parse::<u32>().ok()?),
        None => (body.parse::<u32>().ok()?, 0),
    };
    let hour = match suffix {
        "am" if h == 12 => 0,
        "pm" if h < 12 => h + 12,
        _ => h,
    };
    if hour > 23 || (!suffix.is_empty() && h > 12) {
        return Some(Err(format!("{w} is not a time of day")));
    }
    if m > 59 {
        return Some(Err(format!("{w} is not a time of day")));
    }
    Some(Ok((hour as u8, m as u8)))
}

fn day_of_month(t: &Tokens, from: usize, to: usize) -> Result<Option<u8>, String> {
    for i in from..to {
        let w = t.word(i);
        let digits = w.trim_end_matches(|c: char| c.is_alphabetic());
        let ordinal =
            digits.len() < w.len() && matches!(&w[digits.len()..], "st" | "nd" | "rd" | "th");
        let after_day = i > 0 && t.word(i - 1) == "day";
        if (ordinal || after_day)
            && let Ok(d) = digits.parse::<u8>()
        {
            if (1..=31).contains(&d) {
                return Ok(Some(d));
            }
            return Err(format!("{w} is not a day of the month"));
        }
        if w == "first" {
            return Ok(Some(1));
        }
    }
    Ok(None)
}

/// (minute, hour) of a cron expression when both are plain numbers.
fn current_time(current: Option<&str>) -> (Option<u8>, Option<u8>) {
    let Some(c) = current else {
        return (None, None);
    };
    let f: Vec<&str> = c.split_whitespace().collect();
    if f.len() != 5 {
        return (None, None);
    }
    (f[0].parse().ok(), f[1].parse().ok())
}

fn current_weekday(current: Option<&str>) -> Option<u8> {
    let f: Vec<&str> = current?.split_whitespace().collect();
    (f.len() == 5 && f[2] == "*").then(|| f[4].parse().ok())?
}

/// A cron expression in words when it is one of the common shapes, else itself.
pub fn describe(cron: &str) -> String {
    let f: Vec<&str> = cron.split_whitespace().collect();
    if f.len() != 5 {
        return cron.to_string();
    }
    let (min, hour, dom, mon, dow) = (f[0], f[1], f[2], f[3], f[4]);
    let hm = match (hour.parse::<u8>(), min.parse::<u8>()) {
        (Ok(h), Ok(m)) => Some(format!("{h:02}:{m:02} UTC")),
        _ => None,
    };
    if mon != "*" {
        return format!("cron {cron}");
    }
    if let (Some(step), "*", "*") = (hour.strip_prefix("*/"), dom, dow) {
        return format!("every {step} hours (cron {cron})");
    }
    if let (Some(step), "*", "*", "*") = (min.strip_prefix("*/"), hour, dom, dow) {
        return format!("every {step} minutes (cron {cron})");
    }
    if hour == "*" && dom == "*" && dow == "*" && min.parse::<u8>().is_ok() {
        return format!("hourly at minute {min} (cron {cron})");
    }
    let Some(hm) = hm else {
        return format!("cron {cron}");
    };
    let when = match (dom, dow) {
        ("*", "*") => "daily".to_string(),
        ("*", "1-5") => "on weekdays".to_string(),
        ("*", days) => {
            let names: Option<Vec<String>> = days
                .split(',')
                .map(|d| {
                    d.parse::<usize>()
                        .ok()
                        .and_then(|d| DAY_NAMES.get(d % 7))
                        .map(|n| format!("{n}s"))
                })
                .collect();
            match names {
                Some(n) => format!("on {}", super::text::join_and(&n)),
                None => return format!("cron {cron}"),
            }
        }
        (d, "*") if d.parse::<u8>().is_ok() => format!("monthly on day {d}"),
        _ => return format!("cron {cron}"),
    };
    format!("{when} at {hm} (cron {cron})")
}

/// The words `from..to` of a request, as a schedule reads them.
struct Span<'t> {
    t: &'t Tokens,
    from: usize,
    to: usize,
}

impl Span<'_> {
    fn has(&self, w: &str) -> bool {
        (self.from..self.to).any(|i| self.t.word(i) == w || self.t.toks[i].stem == w)
    }

    fn phrase(&self, p: &str) -> bool {
        self.t
            .find_phrase(p, self.from)
            .is_some_and(|i| i + p.split(' ').count() <= self.to)
    }
}

/// "every 6 hours", "every 15 minutes": a cron step, or an error when the
/// step does not fit one.
fn every_interval(t: &Tokens, from: usize, to: usize) -> Result<Option<String>, String> {
    let Some(i) = (from..to).find(|&i| t.word(i) == "every") else {
        return Ok(None);
    };
    let Ok(n) = t.word(i + 1).parse::<u32>() else {
        return Ok(None);
    };
    let unit = t.toks.get(i + 2).map(|x| x.stem.as_str()).unwrap_or("");
    match unit {
        "hour" | "hr" | "h" if (1..=23).contains(&n) => Ok(Some(format!("0 */{n} * * *"))),
        "minute" | "min" if (1..=59).contains(&n) => Ok(Some(format!("*/{n} * * * *"))),
        "hour" | "hr" | "h" | "minute" | "min" => {
            Err(format!("every {n} {unit}s does not fit a cron schedule"))
        }
        _ => Ok(None),
    }
}

/// "2 hours later than now", "an hour earlier": the current time moved.
fn shifted(t: &Tokens, from: usize, to: usize, current: Option<&str>) -> Option<String> {
    let shift = shift_hours(t, from, to)?;
    let f: Vec<&str> = current?.split_whitespace().collect();
    let (5, Ok(h)) = (f.len(), f[1].parse::<i32>()) else {
        return None;
    };
    let hour = (h + shift).rem_euclid(24);
    Some(format!("{} {hour} {} {} {}", f[0], f[2], f[3], f[4]))
}

/// The periods a request says: days named, weekdays or weekends, a month
/// step, monthly, weekly, nightly, daily.
struct Periods {
    days: Vec<u8>,
    weekdays: bool,
    weekends: bool,
    month_step: Option<u8>,
    monthly: bool,
    weekly: bool,
    nightly: bool,
    daily: bool,
}

impl Periods {
    fn said(span: &Span) -> Self {
        let (t, from, to) = (span.t, span.from, span.to);
        let has = |w: &str| span.has(w);
        let phrase = |p: &str| span.phrase(p);
        let days: Vec<u8> = {
            let mut d: Vec<u8> = (from..to).filter_map(|i| day_of(t.word(i))).collect();
            d.sort_unstable();
            d.dedup();
            d
        };
        let weekdays = has("weekday")
            || phrase("business day")
            || phrase("working day")
            || phrase("monday to friday")
            || phrase("monday through friday");
        let weekends = has("weekend");
        // "quarterly", "every 3 months": a month step.
        let month_step = if has("quarterly") || phrase("every quarter") || phrase("each quarter") {
            Some(3)
        } else {
            (from..to)
                .find(|&i| {
                    t.word(i) == "every" && t.toks.get(i + 2).is_some_and(|x| x.stem == "month")
                })
                .and_then(|i| t.word(i + 1).parse::<u8>().ok())
                .filter(|n| (1..=12).contains(n))
        };
        // "on the 15th" says monthly when nothing says another period.
        let ordinal_day = matches!(day_of_month(t, from, to), Ok(Some(_)))
            && !(has("daily") || has("weekly") || has("nightly") || has("hourly"));
        let monthly = month_step.is_some()
            || has("monthly")
            || phrase("every month")
            || phrase("each month")
            || ordinal_day;
        let weekly =
            has("weekly") || phrase("every week") || phrase("each week") || phrase("once a week");
        let nightly = has("nightly") || phrase("every night") || phrase("each night");
        let daily = nightly
            || has("daily")
            || phrase("every day")
            || phrase("each day")
            || phrase("once a day")
            || phrase("per day");
        Periods {
            days,
            weekdays,
            weekends,
            month_step,
            monthly,
            weekly,
            nightly,
            daily,
        }
    }
}

/// The time of day when the request names none: the current schedule's,
/// else 02:00 for a nightly run, else midnight; each noted as assumed.
fn assumed_time(current: Option<&str>, nightly: bool, assumed: &mut Vec<String>) -> (u8, u8) {
    let (cur_min, cur_hour) = current_time(current);
    match (cur_hour, cur_min) {
        (Some(h), Some(m)) => {
            assumed.push(format!("keeps the current time of day, {h:02}:{m:02} UTC"));
            (h, m)
        }
        _ if nightly => {
            assumed.push("runs at 02:00 UTC (say a time to change it)".into());
            (2, 0)
        }
        _ => {
            assumed.push("runs at 00:00 UTC (say a time to change it)".into());
            (0, 0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cron(s: &str, current: Option<&str>) -> String {
        let t = Tokens::new(s);
        match parse(&t, 0, t.len(), current) {
            Ok(Some(s)) => s.cron,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn common_phrasings_become_cron() {
        assert_eq!(cron("run it daily at 6am", None), "0 6 * * *");
        assert_eq!(cron("every monday at 7", None), "0 7 * * 1");
        assert_eq!(cron("Hourly.", None), "0 * * * *");
        assert_eq!(cron("every day at 6:30 pm", None), "30 18 * * *");
        assert_eq!(cron("weekdays at 08:15", None), "15 8 * * 1-5");
        assert_eq!(cron("every 6 hours", None), "0 */6 * * *");
        assert_eq!(cron("monthly on the 15th at noon", None), "0 12 15 * *");
        assert_eq!(cron("on mondays and thursdays at 5am", None), "0 5 * * 1,4");
        assert_eq!(cron("at midnight", None), "0 0 * * *");
        assert_eq!(cron("set the cron to 15 3 * * 2", None), "15 3 * * 2");
        assert_eq!(cron("schedule '0 */2 * * *'", None), "0 */2 * * *");
    }

    #[test]
    fn missing_time_keeps_the_current_one() {
        assert_eq!(cron("run it daily", Some("0 4 * * 1")), "0 4 * * *");
        assert_eq!(cron("make it weekly", Some("30 2 * * *")), "30 2 * * 1");
        assert_eq!(cron("weekly", Some("0 4 * * 3")), "0 4 * * 3");
    }

    #[test]
    fn month_steps_shifts_time_only_and_several_times_a_day() {
        assert_eq!(
            cron("every 3 months on the 15th at 6am", None),
            "0 6 15 */3 *"
        );
        assert_eq!(cron("quarterly", Some("0 6 1 * *")), "0 6 1 */3 *");
        assert_eq!(cron("every 6 months", Some("0 6 1 * *")), "0 6 1 */6 *");
        assert_eq!(
            cron("run it 2 hours later than now", Some("0 4 * * 1")),
            "0 6 * * 1"
        );
        assert_eq!(cron("an hour earlier", Some("0 0 * * *")), "0 23 * * *");
        assert_eq!(cron("move the run to 5am", Some("0 4 * * 1")), "0 5 * * 1");
        assert_eq!(
            cron("run it twice a day, 2:30 and 14:30", None),
            "30 2,14 * * *"
        );
        assert_eq!(cron("cron -> 30 5 * * 1-5", None), "30 5 * * 1-5");
    }

    #[test]
    fn impossible_times_are_errors() {
        assert!(cron("daily at 25", None).starts_with("Err"));
        assert!(cron("daily at 13pm", None).starts_with("Err"));
        assert_eq!(cron("make it faster", None), "Ok(None)");
    }

    #[test]
    fn cron_reads_back_as_words() {
        assert_eq!(describe("0 6 * * *"), "daily at 06:00 UTC (cron 0 6 * * *)");
        assert_eq!(
            describe("0 7 * * 1"),
            "on Mondays at 07:00 UTC (cron 0 7 * * 1)"
        );
        assert_eq!(
            describe("0 6 1 * *"),
            "monthly on day 1 at 06:00 UTC (cron 0 6 1 * *)"
        );
        assert_eq!(describe("0 * * * *"), "hourly at minute 0 (cron 0 * * * *)");
    }
}
