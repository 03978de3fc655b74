package dev.adjoint.train;

import dev.adjoint.device.DType;
import java.util.Arrays;
import java.util.Locale;

/**
 * How a training step computes ({@code adjoint train --precision}, {@link Trainer#precision}):
 * parameters, gradients and optimizer state are F32 in every mode (the master weights), and so are
 * checkpoints.
 * <ul>
 *   <li>{@code FP32}: everything in float32.</li>
 *   <li>{@code TF32}: as FP32, but CUDA's FP32 GEMMs use TF32 tensor cores (a device setting,
 *       {@code -Dadjoint.cuda.tf32=true}, which the CLI sets); the CPU and OpenCL have no TF32
 *       units and compute in F32.</li>
 *   <li>{@code BF16}: the forward's and backward's matmuls take BF16 operands and sum in F32
 *       ({@link dev.adjoint.tensor.Autocast}); everything else is F32. No loss scaling: BF16 has
 *       float32's range.</li>
 *   <li>{@code FP16}: as BF16 with F16 operands, and dynamic loss scaling ({@link LossScaler}),
 *       since small gradients underflow F16's range.</li>
 * </ul>
 */
public enum Precision {
    FP32(DType.F32),
    TF32(DType.F32),
    BF16(DType.BF16),
    FP16(DType.F16);

    private final DType matmul;

    Precision(DType matmul) {
        this.matmul = matmul;
    }

    /** The dtype matmul operands are converted to during a step (F32: none). */
    public DType matmulDtype() {
        return matmul;
    }

    /** Whether the loss is scaled so that small F16 gradients do not underflow. */
    public boolean scalesLoss() {
        return this == FP16;
    }

    /** Its name as the command line takes it: fp32, tf32, bf16, fp16. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The precision named {@code id} (fp32, tf32, bf16, fp16; any case), or an error listing them. */
    public static Precision of(String id) {
        for (Precision p : values()) {
            if (p.id().equalsIgnoreCase(id == null ? "" : id.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown precision '" + id + "'; choose one of "
                + String.join(", ", Arrays.stream(values()).map(Precision::id).toList()));
    }
}
