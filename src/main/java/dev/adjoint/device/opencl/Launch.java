package dev.adjoint.device.opencl;

import static org.lwjgl.opencl.CL10.*;

import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;
import java.util.function.Supplier;
import org.lwjgl.PointerBuffer;
import org.lwjgl.system.MemoryStack;

/**
 * One kernel launch: arguments in order, then an NDRange. Every call is checked; a failure names
 * {@code what}: the op and its shapes, formatted only on failure.
 */
final class Launch {
    private final long queue;
    private final long kernel;
    private final Supplier<String> what;
    private int arg;

    Launch(long queue, long kernel, Supplier<String> what) {
        this.queue = queue;
        this.kernel = kernel;
        this.what = what;
    }

    Launch mem(OpenClBuffer b) {
        return checked(clSetKernelArg1p(kernel, arg, b.mem()));
    }

    Launch i(int v) {
        return checked(clSetKernelArg1i(kernel, arg, v));
    }

    Launch i(boolean v) {
        return i(v ? 1 : 0);
    }

    Launch l(long v) {
        return checked(clSetKernelArg1l(kernel, arg, v));
    }

    Launch f(float v) {
        return checked(clSetKernelArg1f(kernel, arg, v));
    }

    /** An int8 argument. */
    Launch int8(int[] v) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer b = stack.mallocInt(8);
            b.put(v, 0, 8).flip();
            return checked(clSetKernelArg(kernel, arg, b));
        }
    }

    /** A long8 argument. */
    Launch long8(long[] v) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            LongBuffer b = stack.mallocLong(8);
            b.put(v, 0, 8).flip();
            return checked(clSetKernelArg(kernel, arg, b));
        }
    }

    private Launch checked(int status) {
        if (status != CL_SUCCESS) {
            ClStatus.check(status, "clSetKernelArg #" + arg + " of " + what.get());
        }
        arg++;
        return this;
    }

    /** Runs {@code items} work-items (rounded up to whole groups of {@code local}); kernels guard the excess. */
    void run1d(long items, int local) {
        run(new long[] {roundUp(items, local)}, new long[] {local});
    }

    void run2d(long x, long y, int localX, int localY) {
        run(new long[] {roundUp(x, localX), roundUp(y, localY)}, new long[] {localX, localY});
    }

    private void run(long[] global, long[] local) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer g = stack.mallocPointer(global.length);
            PointerBuffer l = stack.mallocPointer(local.length);
            for (int d = 0; d < global.length; d++) {
                g.put(d, global[d]);
                l.put(d, local[d]);
            }
            int status = clEnqueueNDRangeKernel(queue, kernel, global.length, null, g, l, null, null);
            if (status != CL_SUCCESS) {
                ClStatus.check(status, what.get() + " (global " + Arrays.toString(global)
                        + ", local " + Arrays.toString(local) + ")");
            }
        }
    }

    static long roundUp(long n, long multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }
}
