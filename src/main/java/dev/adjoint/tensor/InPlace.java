package dev.adjoint.tensor;

import dev.adjoint.device.BinaryOp;

/**
 * In-place updates for optimizers and training loops. They are not differentiable and record
 * nothing; they write into the memory of their first argument, which must be contiguous. Each
 * holds ({@link Tensor#pin}) its tensors while it hands them to the device.
 */
public final class InPlace {
    private InPlace() {}

    private static void contiguous(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t == null) {
                continue;
            }
            t.checkOpen(op);
            if (!t.isContiguous()) {
                throw new IllegalArgumentException(op + ": in-place update needs contiguous tensors, got a view "
                        + Shape.format(t.shape) + " with strides " + java.util.Arrays.toString(t.strides));
            }
            Tensor.sameDevice(op, ts[0], t);
        }
    }

    private static void sameSize(String op, Tensor a, Tensor b) {
        if (b != null && a.numel() != b.numel()) {
            throw new IllegalArgumentException(op + ": sizes differ: " + Shape.format(a.shape) + " and " + Shape.format(b.shape)
                    + " (an in-place update needs the same number of elements in both)");
        }
    }

    public static void fill(Tensor t, float value) {
        contiguous("fill", t);
        t.pin("fill");
        try {
            t.device().fill(t.buffer(), t.offset, t.numel(), value);
        } finally {
            t.unpin();
        }
    }

    /** dst ← src: the same shape (src may be any view), or the same size with src contiguous. */
    public static void copy(Tensor dst, Tensor src) {
        contiguous("copy", dst);
        src.checkOpen("copy");
        Tensor.sameDevice("copy", dst, src);
        sameSize("copy", dst, src);
        boolean sameShape = java.util.Arrays.equals(src.shape, dst.shape);
        if (!sameShape && !src.isContiguous()) {
            throw new IllegalArgumentException("copy: a non-contiguous source " + Shape.format(src.shape)
                    + " must have the destination's shape " + Shape.format(dst.shape));
        }
        Tensor.pin("copy", dst, src);
        try {
            if (sameShape) {
                dst.device().unary(dev.adjoint.device.UnaryOp.COPY, 0f, dst.shape, src.buffer(), src.offset, src.strides,
                        dst.buffer(), dst.offset);
            } else {
                dst.device().copy(src.buffer(), src.offset, dst.buffer(), dst.offset, dst.numel());
            }
        } finally {
            Tensor.unpin(dst, src);
        }
    }

    /**
     * dst ← the first {@code dst.numel()} floats of {@code src}, from the host: for a slab that is
     * refreshed every step (no tensor, no device allocation). {@code dst} is contiguous and F32.
     */
    public static void write(Tensor dst, float[] src) {
        write(dst, src, 0);
    }

    /** dst ← {@code src[at, at + dst.numel())}, from the host; the reverse of {@link #read(Tensor, float[], int)}. */
    public static void write(Tensor dst, float[] src, int at) {
        contiguous("write", dst);
        host("write", dst, src, at);
        dst.pin("write");
        try {
            dst.device().upload(src, at, dst.buffer(), dst.offset, (int) dst.numel());
        } finally {
            dst.unpin();
        }
    }

    /** dst[0, src.numel()) ← src, read back to the host into an array the caller keeps; the reverse of {@link #write}. */
    public static void read(Tensor src, float[] dst) {
        read(src, dst, 0);
    }

    /** dst[at, at + src.numel()) ← src, read back to the host. */
    public static void read(Tensor src, float[] dst, int at) {
        contiguous("read", src);
        host("read", src, dst, at);
        src.pin("read");
        try {
            src.device().download(src.buffer(), src.offset, dst, at, (int) src.numel());
        } finally {
            src.unpin();
        }
    }

    /** t ← its sum over the ranks of {@code group} (a device's collective engine, e.g. NCCL), in place on the device. */
    public static void allReduceSum(Tensor t, dev.adjoint.device.Collectives.Group group) {
        contiguous("allReduceSum", t);
        if (t.dtype() != dev.adjoint.device.DType.F32) {
            throw new IllegalArgumentException("allReduceSum: tensor " + Shape.format(t.shape) + " holds " + t.dtype()
                    + " elements; gradients are summed in F32");
        }
        t.pin("allReduceSum");
        try {
            group.allReduceSum(t.buffer(), t.offset, t.numel());
        } finally {
            t.unpin();
        }
    }

    /** That {@code array[at, at + t.numel())} is a host range for F32 tensor {@code t}. */
    private static void host(String op, Tensor t, float[] array, int at) {
        if (t.dtype() != dev.adjoint.device.DType.F32) {
            throw new IllegalArgumentException(op + ": tensor " + Shape.format(t.shape) + " holds " + t.dtype()
                    + " elements; host arrays are F32");
        }
        if (array == null || at < 0 || array.length - (long) at < t.numel()) {
            throw new IllegalArgumentException(op + ": tensor " + Shape.format(t.shape) + " has " + t.numel()
                    + " elements, the array " + (array == null ? "is null" : "only " + array.length
                    + (at == 0 ? "" : " from position " + at)));
        }
    }

    /** t ← t · s, where s is a one-element tensor (kept on the device: no host round trip). */
    public static void mul(Tensor t, Tensor s) {
        contiguous("mul_", t);
        s.checkOpen("mul_");
        Tensor.sameDevice("mul_", t, s);
        if (s.numel() != 1) {
            throw new IllegalArgumentException("mul_: the factor must have one element, got " + Shape.format(s.shape)
                    + " to scale " + Shape.format(t.shape));
        }
        int[] shape = {(int) t.numel()};
        Tensor.pin("mul_", t, s);
        try {
            t.device().binary(BinaryOp.MUL, 0f, shape, t.buffer(), t.offset, new long[] {1}, s.buffer(), s.offset,
                    new long[] {0}, t.buffer(), t.offset);
        } finally {
            Tensor.unpin(t, s);
        }
        if (Anomaly.on) {
            Anomaly.inPlace("mul_", t);
        }
    }

    /** t ← t + other (same number of elements, both contiguous). */
    public static void add(Tensor t, Tensor other) {
        contiguous("add_", t, other);
        sameSize("add_", t, other);
        int[] shape = {(int) t.numel()};
        Tensor.pin("add_", t, other);
        try {
            t.device().binary(BinaryOp.ADD, 0f, shape, t.buffer(), t.offset, new long[] {1}, other.buffer(),
                    other.offset, new long[] {1}, t.buffer(), t.offset);
        } finally {
            Tensor.unpin(t, other);
        }
        if (Anomaly.on) {
            Anomaly.inPlace("add_", t);
        }
    }

    /** "param [3, 4] at offset 12", for the optimizers' offset errors. */
    private static String placed(String name, Tensor t) {
        return t == null ? name + " none" : name + " " + Shape.format(t.shape) + " at offset " + t.offset;
    }

    /** SGD with PyTorch's semantics over whole tensors (see {@code Device.sgdStep}). */
    public static void sgd(Tensor param, Tensor grad, Tensor velocity, float lr, float momentum, float dampening,
                           float weightDecay, boolean nesterov, boolean firstStep) {
        contiguous("sgd", param, grad, velocity);
        sameSize("sgd", param, grad);
        sameSize("sgd", param, velocity);
        if (param.offset != grad.offset || velocity != null && velocity.offset != param.offset) {
            throw new IllegalArgumentException("sgd: param, grad and velocity must sit at the same offset of their buffers,"
                    + " got " + placed("param", param) + ", " + placed("grad", grad) + ", " + placed("velocity", velocity));
        }
        param.pin("sgd");
        try {
            Tensor.pin("sgd", grad, velocity);   // velocity may be null
            try {
                param.device().sgdStep(param.buffer(), grad.buffer(), velocity == null ? null : velocity.buffer(),
                        param.offset, param.numel(), lr, momentum, dampening, weightDecay, nesterov, firstStep);
            } finally {
                Tensor.unpin(grad, velocity);
            }
        } finally {
            param.unpin();
        }
        if (Anomaly.on) {
            Anomaly.inPlace("sgd", param);
        }
    }

    /** Adam / AdamW with PyTorch's semantics over whole tensors (see {@code Device.adamStep}). */
    public static void adam(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                            float weightDecay, boolean decoupled, long step) {
        contiguous("adam", param, grad, m, v);
        sameSize("adam", param, grad);
        sameSize("adam", param, m);
        sameSize("adam", param, v);
        if (param.offset != grad.offset || param.offset != m.offset || param.offset != v.offset) {
            throw new IllegalArgumentException("adam: param, grad, m and v must sit at the same offset of their buffers,"
                    + " got " + placed("param", param) + ", " + placed("grad", grad) + ", " + placed("m", m) + ", "
                    + placed("v", v));
        }
        Tensor.pin("adam", param, grad);
        try {
            Tensor.pin("adam", m, v);
            try {
                param.device().adamStep(param.buffer(), grad.buffer(), m.buffer(), v.buffer(), param.offset,
                        param.numel(), lr, beta1, beta2, eps, weightDecay, decoupled, step);
            } finally {
                Tensor.unpin(m, v);
            }
        } finally {
            Tensor.unpin(param, grad);
        }
        if (Anomaly.on) {
            Anomaly.inPlace("adam", param);
        }
    }
}
