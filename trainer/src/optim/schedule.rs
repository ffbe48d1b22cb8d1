//! Schedules, as modded-nanogpt's training loop sets them before every step.

use crate::config::{OptimConfig, ScheduleConfig};

/// Learning-rate multiplier (`get_lr`): 1 until `1 - cooldown_frac` of training, then linear to
/// zero: `(1 - step/steps) / cooldown_frac`.
pub fn lr_multiplier(step: usize, s: &ScheduleConfig) -> f64 {
    let x = step as f64 / s.steps as f64;
    if x < 1.0 - s.cooldown_frac {
        1.0
    } else {
        ((1.0 - x) / s.cooldown_frac).max(0.0)
    }
}

/// Muon momentum warmup: `frac = min(step/300, 1); (1 - frac)·0.85 + frac·0.95`.
pub fn muon_momentum(step: usize, o: &OptimConfig) -> f64 {
    let frac = (step as f64 / o.muon_momentum_warmup_steps as f64).min(1.0);
    (1.0 - frac) * o.muon_momentum_start + frac * o.muon_momentum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_then_linear_to_zero() {
        let s = ScheduleConfig {
            steps: 100,
            cooldown_frac: 0.7,
        };
        assert_eq!(lr_multiplier(0, &s), 1.0);
        assert_eq!(lr_multiplier(29, &s), 1.0);
        assert!((lr_multiplier(30, &s) - 1.0).abs() < 1e-12);
        assert!((lr_multiplier(65, &s) - 0.5).abs() < 1e-12);
        assert_eq!(lr_multiplier(100, &s), 0.0);
    }

    #[test]
    fn momentum_warms_up_over_300_steps() {
        let o = OptimConfig::default();
        assert!((muon_momentum(0, &o) - 0.85).abs() < 1e-12);
        assert!((muon_momentum(150, &o) - 0.90).abs() < 1e-12);
        assert!((muon_momentum(1000, &o) - 0.95).abs() < 1e-12);
    }
}
