//! What `GET /metrics` reports, in the Prometheus text format. This module holds the figures an
//! instance counts itself (requests, latency, the hub, jobs, notifications); figures that are
//! the hall's rather than the instance's (tickets, queues) are read from the database when
//! scraped (`services::metrics`), so every instance reports the same ones.
//!
//! One lock per record, held for a few additions: cheap beside a request, and no crate needed
//! for a format this small.
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Debug, Default, Clone)]
pub struct Histogram {
    /// Counts per bucket (not cumulative; made cumulative when written).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl Histogram {
    pub fn observe(&mut self, took: Duration) {
        let seconds = took.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum += seconds;
    }

    fn write(&self, out: &mut String, name: &str, labels: &str) {
        let mut cumulative = 0;
        let sep = if labels.is_empty() { "" } else { "," };
        for (bound, n) in BUCKETS.iter().zip(self.buckets) {
            cumulative += n;
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {cumulative}");
        }
        let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}", self.count);
        let braced = if labels.is_empty() { String::new() } else { format!("{{{labels}}}") };
        let _ = writeln!(out, "{name}_sum{braced} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braced} {}", self.count);
    }
}

#[derive(Default)]
struct RouteFigures {
    by_status: BTreeMap<u16, u64>,
    latency: Histogram,
}

/// A job's turns by outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum JobOutcome {
    Ran,
    /// Another instance held the job's lock.
    Skipped,
    Failed,
}

impl JobOutcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Ran => "ran",
            Self::Skipped => "skipped",
            Self::Failed => "failed",
        }
    }
}

#[derive(Default)]
pub struct Metrics {
    /// By (route pattern, method).
    requests: Mutex<BTreeMap<(String, String), RouteFigures>>,
    /// How long an event waited in the hub between the hub learning of it (published here, or
    /// notified by another instance) and its broadcast.
    hub_delay: Mutex<Histogram>,
    jobs: Mutex<BTreeMap<(&'static str, JobOutcome), u64>>,
    /// Notifications received from other instances (PostgreSQL `LISTEN`).
    pub notifications: AtomicU64,
    /// Times the `LISTEN` connection was (re)established.
    pub listener_connects: AtomicU64,
}

impl Metrics {
    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        let mut requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        // Looked up by reference first: the key is allocated once per route, not per request.
        let figures = match requests.get_mut(&(route.to_owned(), method.to_owned())) {
            Some(figures) => figures,
            None => requests.entry((route.to_owned(), method.to_owned())).or_default(),
        };
        *figures.by_status.entry(status).or_default() += 1;
        figures.latency.observe(took);
    }

    pub fn hub_delay(&self, took: Duration) {
        self.hub_delay.lock().unwrap_or_else(|p| p.into_inner()).observe(took);
    }

    pub fn job(&self, job: &'static str, outcome: JobOutcome) {
        *self.jobs.lock().unwrap_or_else(|p| p.into_inner()).entry((job, outcome)).or_default() += 1;
    }

    /// This instance's own figures, in the text format.
    pub fn write(&self, out: &mut String) {
        {
            let requests = self.requests.lock().unwrap_or_else(|p| p.into_inner());
            header(out, "hallq_http_requests_total", "counter", "HTTP requests answered, by route, method and status");
            for ((route, method), figures) in requests.iter() {
                for (status, n) in &figures.by_status {
                    let _ = writeln!(
                        out,
                        "hallq_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                        escape(route)
                    );
                }
            }
            header(out, "hallq_http_request_duration_seconds", "histogram", "time to answer, by route and method");
            for ((route, method), figures) in requests.iter() {
                let labels = format!("route=\"{}\",method=\"{method}\"", escape(route));
                figures.latency.write(out, "hallq_http_request_duration_seconds", &labels);
            }
        }
        header(
            out,
            "hallq_hub_delay_seconds",
            "histogram",
            "time an event spent in the hub between being known and being broadcast (waiting for earlier ones or for the log)",
        );
        self.hub_delay.lock().unwrap_or_else(|p| p.into_inner()).clone().write(out, "hallq_hub_delay_seconds", "");
        header(out, "hallq_job_runs_total", "counter", "scheduled job turns, by job and outcome");
        for ((job, outcome), n) in self.jobs.lock().unwrap_or_else(|p| p.into_inner()).iter() {
            let _ = writeln!(out, "hallq_job_runs_total{{job=\"{job}\",outcome=\"{}\"}} {n}", outcome.as_str());
        }
        header(out, "hallq_notifications_total", "counter", "event notifications received from the database");
        let _ = writeln!(out, "hallq_notifications_total {}", self.notifications.load(Ordering::Relaxed));
        header(out, "hallq_listener_connects_total", "counter", "times the LISTEN connection was established");
        let _ = writeln!(out, "hallq_listener_connects_total {}", self.listener_connects.load(Ordering::Relaxed));
    }
}

/// The `# HELP` and `# TYPE` lines of a metric.
pub fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value with `\`, `"` and newlines escaped as the format asks.
pub fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_counted_by_status_and_timed_in_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.request("/api/v1/halls/{hall}/tickets", "POST", 201, Duration::from_millis(3));
        metrics.request("/api/v1/halls/{hall}/tickets", "POST", 201, Duration::from_millis(30));
        metrics.request("/api/v1/halls/{hall}/tickets", "POST", 429, Duration::from_micros(500));
        metrics.job("housekeeping", JobOutcome::Skipped);
        let mut out = String::new();
        metrics.write(&mut out);
        let route = "route=\"/api/v1/halls/{hall}/tickets\",method=\"POST\"";
        for line in [
            format!("hallq_http_requests_total{{{route},status=\"201\"}} 2"),
            format!("hallq_http_requests_total{{{route},status=\"429\"}} 1"),
            format!("hallq_http_request_duration_seconds_bucket{{{route},le=\"0.001\"}} 1"),
            format!("hallq_http_request_duration_seconds_bucket{{{route},le=\"0.005\"}} 2"),
            format!("hallq_http_request_duration_seconds_bucket{{{route},le=\"0.05\"}} 3"),
            format!("hallq_http_request_duration_seconds_bucket{{{route},le=\"+Inf\"}} 3"),
            format!("hallq_http_request_duration_seconds_count{{{route}}} 3"),
            "hallq_job_runs_total{job=\"housekeeping\",outcome=\"skipped\"} 1".to_owned(),
            "hallq_hub_delay_seconds_count 0".to_owned(),
        ] {
            assert!(out.lines().any(|l| l == line), "missing {line} in\n{out}");
        }
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
