//! `hallq replay --hall demo SCRIPT`: runs a script of actions on the demo hall in memory
//! (`domain::hall`, the server's own rules, no database) and prints one JSON line per call.
//!
//! A script has one JSON object per line, e.g. `{"op":"issue","service":"A","priority":"green"}`,
//! `{"op":"call_next","window":1}`, `{"op":"advance","minutes":5}` (every op in `Step`). Blank
//! lines and lines starting with `#` are skipped. A line that cannot be applied (not JSON, an
//! unknown op, or refused by the rules) is reported on stderr with its number and the API's
//! error code; nothing is printed for it and the script goes on. The exit status is 1 when any
//! line was refused.
use crate::domain::clock::ManualClock;
use crate::domain::codes::ErrorCode;
use crate::domain::hall::{Hall, Refusal, TransferTarget};
use crate::domain::settings::QueueRules;
use crate::domain::ticket::Priority;
use crate::domain::window::WindowAction;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use std::io::Write;
use std::sync::Arc;

/// One line of a script.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Step {
    Issue {
        service: String,
        #[serde(default)]
        priority: Option<Priority>,
    },
    CallNext {
        window: i32,
    },
    Call {
        window: i32,
        number: String,
    },
    Recall {
        window: i32,
    },
    Start {
        window: i32,
    },
    Finish {
        window: i32,
    },
    NoShow {
        window: i32,
    },
    Transfer {
        window: i32,
        #[serde(default)]
        to_service: Option<String>,
        #[serde(default)]
        to_window: Option<i32>,
        #[serde(default)]
        note: Option<String>,
    },
    /// A no-show back in its queue (within the grace).
    Restore {
        number: String,
    },
    /// The taxpayer gives up a queued ticket.
    Cancel {
        number: String,
    },
    Open {
        window: i32,
    },
    Close {
        window: i32,
    },
    Pause {
        window: i32,
        #[serde(default)]
        reason: Option<String>,
    },
    Resume {
        window: i32,
    },
    SetServices {
        window: i32,
        services: Vec<String>,
    },
    Advance {
        minutes: u32,
    },
}

/// What a call prints: `{"window":1,"ticket":"A001"}`, or `"ticket":null` when nobody waits.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CallLine {
    pub window: i32,
    pub ticket: Option<String>,
}

/// Where scripts start: 09:00 on a working Monday in Shanghai.
pub const DEFAULT_START: &str = "2026-01-05T09:00:00+08:00";

/// The demo hall in memory, on a clock that stands still until a script advances it, with the
/// server's default queue rules (`Settings::queue_rule_defaults`).
pub fn demo_hall(start: DateTime<Utc>, defaults: QueueRules) -> (Hall, ManualClock) {
    let clock = ManualClock::new(start);
    let (config, windows) = crate::persistence::seed::demo_in_memory(chrono_tz::Asia::Shanghai);
    (Hall::new(config, windows, Arc::new(clock.clone()), defaults), clock)
}

impl Step {
    /// Applies the step; a call returns the line to print.
    pub fn apply(&self, hall: &mut Hall, clock: &ManualClock) -> Result<Option<CallLine>, Refusal> {
        let printed = |window: i32, ticket: Option<String>| Some(CallLine { window, ticket });
        match self {
            Self::Issue { service, priority } => {
                hall.issue(service, priority.unwrap_or(Priority::Normal)).map(|_| None)
            }
            Self::CallNext { window } => hall.call_next(*window).map(|ticket| printed(*window, ticket)),
            Self::Call { window, number } => hall.call(*window, number).map(|ticket| printed(*window, Some(ticket))),
            Self::Recall { window } => hall.recall(*window).map(|()| None),
            Self::Start { window } => hall.start(*window).map(|()| None),
            Self::Finish { window } => hall.finish(*window).map(|()| None),
            Self::NoShow { window } => hall.no_show(*window).map(|()| None),
            Self::Transfer { window, to_service, to_window, note } => {
                let target = match (to_service, to_window) {
                    (Some(service), None) => TransferTarget::Service(service.clone()),
                    (None, Some(number)) => TransferTarget::Window(*number),
                    _ => {
                        return Err(Refusal {
                            code: ErrorCode::InvalidTransfer,
                            message: "give exactly one of \"to_service\" or \"to_window\"".into(),
                        })
                    }
                };
                hall.transfer(*window, &target, note.clone()).map(|()| None)
            }
            Self::Restore { number } => hall.restore(number).map(|()| None),
            Self::Cancel { number } => hall.cancel(number).map(|()| None),
            Self::Open { window } => hall.change_window(*window, WindowAction::Open).map(|()| None),
            Self::Close { window } => hall.change_window(*window, WindowAction::Close).map(|()| None),
            Self::Pause { window, .. } => hall.change_window(*window, WindowAction::Pause).map(|()| None),
            Self::Resume { window } => hall.change_window(*window, WindowAction::Resume).map(|()| None),
            Self::SetServices { window, services } => hall.set_services(*window, services).map(|()| None),
            Self::Advance { minutes } => {
                clock.advance(Duration::minutes(i64::from(*minutes)));
                Ok(None)
            }
        }
    }
}

/// Parses one script line; `None` for blank lines and comments.
pub fn parse_line(line: &str) -> Option<Result<Step, Refusal>> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    // As the API answers a bad body: not JSON at all, or JSON that is not a valid step.
    Some(serde_json::from_str(line).map_err(|e| Refusal {
        code: if e.is_data() { ErrorCode::InvalidField } else { ErrorCode::InvalidJson },
        message: e.to_string(),
    }))
}

/// Runs a script, printing calls to `out` and refusals to `err`. Returns how many lines were
/// refused.
pub fn run(hall: &mut Hall, clock: &ManualClock, script: &str, out: &mut impl Write, err: &mut impl Write) -> usize {
    let mut refused = 0;
    for (index, line) in script.lines().enumerate() {
        let Some(step) = parse_line(line) else { continue };
        match step.and_then(|step| step.apply(hall, clock)) {
            Ok(Some(printed)) => {
                let _ = writeln!(out, "{}", serde_json::to_string(&printed).unwrap_or_default());
            }
            Ok(None) => {}
            Err(refusal) => {
                refused += 1;
                let _ = writeln!(err, "line {}: {}: {}", index + 1, refusal.code, refusal.message);
            }
        }
    }
    refused
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replay(script: &str) -> (String, String, usize) {
        let start = DateTime::parse_from_rfc3339(DEFAULT_START).expect("time").with_timezone(&Utc);
        let (mut hall, clock) = demo_hall(start, crate::config::Settings::default().queue_rule_defaults());
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let refused = run(&mut hall, &clock, script, &mut out, &mut err);
        (String::from_utf8(out).expect("utf-8"), String::from_utf8(err).expect("utf-8"), refused)
    }

    #[test]
    fn calls_follow_the_demo_halls_rules_and_refusals_name_their_line() {
        let script = r#"{"op":"issue","service":"A"}
{"op":"issue","service":"B","priority":"green"}
{"op":"call_next","window":1}
{"op":"call_next","window":4}
{"op":"call_next","window":9}
{"op":"finish","window":1}
not json
{"op":"call_next","window":2}"#;
        let (out, err, refused) = replay(script);
        assert_eq!(
            out,
            "{\"window\":1,\"ticket\":\"A001\"}\n{\"window\":4,\"ticket\":\"B001\"}\n{\"window\":2,\"ticket\":null}\n"
        );
        assert_eq!(refused, 3);
        assert!(err.contains("line 5: window_not_open"), "{err}");
        assert!(err.contains("line 6: invalid_transition"), "{err}");
        assert!(err.contains("line 7: invalid_json"), "{err}");
    }

    #[test]
    fn an_overdue_ticket_jumps_the_specialty_order_once_the_clock_moves() {
        // Window 8 serves F, A, C. A C ticket waits past its 15-minute target.
        let script = r#"{"op":"issue","service":"C"}
{"op":"advance","minutes":10}
{"op":"issue","service":"F"}
{"op":"call_next","window":8}
{"op":"no_show","window":8}
{"op":"issue","service":"F"}
{"op":"advance","minutes":6}
{"op":"call_next","window":8}"#;
        let (out, err, _) = replay(script);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines, ["{\"window\":8,\"ticket\":\"F001\"}", "{\"window\":8,\"ticket\":\"C001\"}"], "{err}");
    }
}
