//! Erlang C: the M/M/c queue in closed form, the yardstick the simulator is validated against
//! and the staffing rule's engine. `a = λ/μ` is the offered load in erlangs, `c` the servers.
//!
//! Erlang B by the overflow-free recursion `B_0 = 1, B_k = a·B_{k−1} / (k + a·B_{k−1})`, then
//! `C = B / (1 − ρ(1 − B))` with `ρ = a/c`; `Wq = C / (cμ − λ)`; `P(W > t) = C·e^{−(cμ−λ)t}`.

/// The probability that an arrival waits at all (Erlang C); 1 when the servers cannot keep up.
pub fn probability_of_wait(servers: u32, load: f64) -> f64 {
    if servers == 0 || load >= f64::from(servers) {
        return 1.0;
    }
    if load <= 0.0 {
        return 0.0;
    }
    let mut b = 1.0;
    for k in 1..=servers {
        b = load * b / (f64::from(k) + load * b);
    }
    let rho = load / f64::from(servers);
    b / (1.0 - rho * (1.0 - b))
}

/// One stationary queue: arrivals and handling per minute.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Queue {
    pub arrivals_per_minute: f64,
    pub handling_minutes: f64,
}

impl Queue {
    pub fn load(&self) -> f64 {
        self.arrivals_per_minute * self.handling_minutes
    }

    /// Mean wait in minutes with `servers` windows; infinite when they cannot keep up.
    pub fn mean_wait(&self, servers: u32) -> f64 {
        let gap = self.gap(servers);
        if gap <= 0.0 {
            return f64::INFINITY;
        }
        probability_of_wait(servers, self.load()) / gap
    }

    /// `P(wait > t)` for `t` in minutes.
    pub fn wait_longer_than(&self, servers: u32, minutes: f64) -> f64 {
        let gap = self.gap(servers);
        if gap <= 0.0 {
            return 1.0;
        }
        probability_of_wait(servers, self.load()) * (-gap * minutes.max(0.0)).exp()
    }

    /// The share served within `minutes`.
    pub fn within(&self, servers: u32, minutes: f64) -> f64 {
        1.0 - self.wait_longer_than(servers, minutes)
    }

    /// The wait (minutes) a share `q` of arrivals stays within, e.g. q = 0.9 for the p90.
    pub fn wait_quantile(&self, servers: u32, q: f64) -> f64 {
        let gap = self.gap(servers);
        if gap <= 0.0 {
            return f64::INFINITY;
        }
        let waits = probability_of_wait(servers, self.load());
        if waits <= 1.0 - q {
            return 0.0;
        }
        (waits / (1.0 - q)).ln() / gap
    }

    /// The fewest servers that serve at least `share` within `minutes` (at least one when
    /// anybody comes); `None` past `max_servers`.
    pub fn servers_for(&self, share: f64, minutes: f64, max_servers: u32) -> Option<u32> {
        if self.arrivals_per_minute <= 0.0 {
            return Some(0);
        }
        let least = (self.load().floor() as u32 + 1).max(1);
        (least..=max_servers).find(|c| self.within(*c, minutes) >= share)
    }

    /// cμ − λ, per minute.
    fn gap(&self, servers: u32) -> f64 {
        if self.handling_minutes <= 0.0 {
            return f64::INFINITY;
        }
        f64::from(servers) / self.handling_minutes - self.arrivals_per_minute
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn per_hour(arrivals: f64, handling_minutes: f64) -> Queue {
        Queue { arrivals_per_minute: arrivals / 60.0, handling_minutes }
    }

    /// The published worked cases the simulator is held to (docs/planning.md).
    #[test]
    fn the_worked_cases() {
        let call_centre = per_hour(200.0, 3.0);
        assert!((probability_of_wait(14, call_centre.load()) - 0.1741).abs() < 0.0005);
        assert!((call_centre.mean_wait(14) * 60.0 - 7.84).abs() < 0.01);

        let big = per_hour(1000.0, 2.0);
        assert!((probability_of_wait(40, big.load()) - 0.1907).abs() < 0.0005);
        assert!((big.mean_wait(40) * 60.0 - 3.43).abs() < 0.01);
        assert!((big.within(40, 20.0 / 60.0) - 0.9372).abs() < 0.0005);

        let small = per_hour(12.0, 10.0);
        assert!((probability_of_wait(3, small.load()) - 0.444).abs() < 0.0005);
        assert!((small.mean_wait(3) - 4.44).abs() < 0.01);
    }

    #[test]
    fn too_few_servers_wait_forever_and_nobody_coming_needs_none() {
        let q = per_hour(60.0, 10.0);
        assert_eq!(probability_of_wait(10, q.load()), 1.0);
        assert!(q.mean_wait(10).is_infinite());
        assert_eq!(per_hour(0.0, 10.0).servers_for(0.8, 10.0, 50), Some(0));
    }

    #[test]
    fn servers_for_is_the_least_that_meets_the_target() {
        let q = per_hour(200.0, 3.0);
        let c = q.servers_for(0.8, 20.0 / 60.0, 100).expect("runs");
        assert!(q.within(c, 20.0 / 60.0) >= 0.8);
        assert!(q.within(c - 1, 20.0 / 60.0) < 0.8);
        assert_eq!(q.servers_for(0.99, 0.0, 5), None);
    }

    #[test]
    fn the_quantile_inverts_the_tail() {
        let q = per_hour(12.0, 10.0);
        let p90 = q.wait_quantile(3, 0.9);
        assert!((q.wait_longer_than(3, p90) - 0.1).abs() < 1e-9);
        assert_eq!(per_hour(1.0, 1.0).wait_quantile(3, 0.5), 0.0);
    }
}
