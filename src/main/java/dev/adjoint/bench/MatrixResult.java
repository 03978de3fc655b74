package dev.adjoint.bench;

import dev.adjoint.device.PeakProbe;

/**
 * What the matrix measured. A {@link Row} is one case on one device with, under {@code --compare},
 * the peer's timing of the same case; a {@link DeviceRun} is one device with its measured peak.
 */
final class MatrixResult {
    private MatrixResult() {}

    /** A peer's timing of a case ({@code samples}), or why there is none ({@code error}). */
    record PeerTiming(String name, Samples samples, String error) {
        /** Adjoint's throughput over the peer's: above 1, Adjoint is faster. NaN without both timings. */
        double ratio(Samples ours) {
            return ours == null || samples == null ? Double.NaN : samples.median() / ours.median();
        }
    }

    /**
     * One case on one device: {@code ours} is null when the case was {@code skipped} (with the
     * reason); {@code peer} is null without {@code --compare} or a peer for this device.
     */
    record Row(DeviceRun device, MatrixCase c, Samples ours, String skipped, PeerTiming peer) {
        double gflops() {
            return gflops(c, ours);
        }

        double samplesPerSecond() {
            return samplesPerSecond(c, ours);
        }

        static double gflops(MatrixCase c, Samples s) {
            return s == null ? Double.NaN : c.flops() / s.median() / 1e9;
        }

        static double samplesPerSecond(MatrixCase c, Samples s) {
            return s == null || c.samplesPerCall() == 0 ? Double.NaN : c.samplesPerCall() / s.median();
        }
    }

    /**
     * A device of the run: {@code backend} is its backend's name ({@code cpu}, {@code opencl},
     * {@code cuda}), {@code name} the device's ({@code opencl:0}); {@code peak} is null when the
     * device has no probe, with {@code peakNote} saying why.
     */
    record DeviceRun(String backend, String name, String description, PeakProbe.Peak peak, String peakNote) {
        /** The device's name and the start of its description: {@code opencl:0 (pthread-haswell-AMD EPYC)}. */
        String label() {
            String d = description;
            int cut = d.length();
            for (String stop : new String[] {",", " ("}) {
                int i = d.indexOf(stop);
                if (i > 0) {
                    cut = Math.min(cut, i);
                }
            }
            return name + " (" + d.substring(0, cut) + ")";
        }
    }
}
