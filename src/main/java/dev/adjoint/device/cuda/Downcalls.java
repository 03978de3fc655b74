package dev.adjoint.device.cuda;

import dev.adjoint.device.DeviceException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/** The {@code java.lang.foreign} bindings' shared steps (cuBLAS, NCCL): binding a symbol, and calling it for a C int. */
final class Downcalls {
    private static final Linker LINKER = Linker.nativeLinker();

    private Downcalls() {}

    /** {@code name} in {@code lookup} as a downcall; a missing symbol is a DeviceException naming {@code library}. */
    @SuppressWarnings("restricted")
    static MethodHandle bind(SymbolLookup lookup, String library, String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(lookup.find(name).orElseThrow(
                () -> new DeviceException("cuda: " + library + " symbol " + name + " not found")), fd);
    }

    /** Calls {@code h} for its C int result; anything it throws but a RuntimeException becomes a DeviceException. */
    static int call(String library, MethodHandle h, Object... args) {
        try {
            return (int) h.invokeWithArguments(args);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new DeviceException("cuda: " + library + " call failed", t);
        }
    }
}
