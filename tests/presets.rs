//! The shape `report import --preset medium` records is the one the trainer's `medium` preset
//! trains: the report cannot depend on the trainer (no burn there), so the two tables are held
//! side by side here.

use report::runs::import::presets::{PresetShape, PRESETS};
use trainer::Preset;

#[test]
fn an_imported_medium_run_has_the_trainers_medium_model() {
    assert_eq!(PRESETS.len(), 1, "each import preset is compared below");
    let import = PresetShape::named("medium").unwrap();
    let trained = Preset::Medium.config(2, 0);
    let m = &trained.model;
    assert_eq!(
        (
            import.layers,
            import.dim,
            import.heads,
            import.head_dim,
            import.vocab
        ),
        (
            m.layers as u64,
            m.dim as u64,
            m.heads as u64,
            m.head_dim as u64,
            m.vocab as u64
        )
    );
    // Rows differ (the trainer cuts each GPU's 64Ki tokens into 16 rows of 4096); the tokens
    // of a step do not.
    assert_eq!(
        import.batch_size * import.seq_len,
        trained.tokens_per_step() as u64
    );
    assert_eq!(Preset::Medium.name(), import.name);
}
