//! Up, down, and the thresholds between them: a system goes down after `failures` failed checks
//! in a row and comes back after `recoveries` good ones, so one lost packet does not page anyone
//! and one lucky answer does not close an incident.

use crate::clock::Millis;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Not checked yet.
    Pending,
    Up,
    Down,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Up => "up",
            Status::Down => "down",
        }
    }

    pub fn parse(text: &str) -> Self {
        match text {
            "up" => Status::Up,
            "down" => Status::Down,
            _ => Status::Pending,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State {
    pub status: Status,
    /// Results in a row that speak against `status`.
    pub streak: i64,
    pub since: Option<Millis>,
}

/// The state after a check at `at` came out `ok`.
pub fn next(s: State, ok: bool, at: Millis, failures: i64, recoveries: i64) -> State {
    let against = match s.status {
        Status::Pending | Status::Up => !ok,
        Status::Down => ok,
    };
    if s.status == Status::Pending && ok {
        return State {
            status: Status::Up,
            streak: 0,
            since: Some(at),
        };
    }
    if !against {
        return State { streak: 0, ..s };
    }
    let streak = s.streak + 1;
    let threshold = if s.status == Status::Down {
        recoveries
    } else {
        failures
    };
    if streak < threshold {
        return State { streak, ..s };
    }
    State {
        status: if ok { Status::Up } else { Status::Down },
        streak: 0,
        since: Some(at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(results: &[bool]) -> Vec<Status> {
        let mut s = State {
            status: Status::Pending,
            streak: 0,
            since: None,
        };
        results
            .iter()
            .enumerate()
            .map(|(i, &ok)| {
                s = next(s, ok, i as i64, 3, 2);
                s.status
            })
            .collect()
    }

    #[test]
    fn goes_down_only_after_the_failure_threshold_and_up_after_the_recovery_one() {
        use Status::*;
        assert_eq!(
            run(&[true, false, false, true, false, false, false, true, false, true, true]),
            [Up, Up, Up, Up, Up, Up, Down, Down, Down, Down, Up]
        );
    }

    #[test]
    fn a_first_failure_waits_for_the_threshold_too() {
        use Status::*;
        assert_eq!(run(&[false, false, false]), [Pending, Pending, Down]);
    }
}
