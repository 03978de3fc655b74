/**
 * The graph executor: a training step captured once into a {@link dev.adjoint.graph.Plan} — a
 * flat list of device calls over buffers assigned ahead of time, reused by liveness — and replayed
 * with no allocation. {@link dev.adjoint.graph.CapturingDevice} records, {@code Plan} replays,
 * {@link dev.adjoint.graph.ReplayedStep} keeps one plan per batch shape for
 * {@code Trainer.replay(true)}. Backend-neutral: nothing here knows which device runs.
 */
package dev.adjoint.graph;
