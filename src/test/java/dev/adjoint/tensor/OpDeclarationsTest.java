package dev.adjoint.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.device.Device;
import dev.adjoint.device.cpu.CpuDevice;
import dev.adjoint.testing.Backends;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every public op of {@link Tensor} is declared once ({@link Op}) with both rules or a reason: the
 * test finds the public methods by reflection, runs each on small inputs, and checks that the op
 * it records is a declaration in {@link Ops#ALL}; that its JVP matches central finite differences
 * of its forward; and that its VJP is the JVP's transpose (⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩), in float64 sums.
 * An op that is not differentiable must say why and give a constant (no node, zero tangent).
 */
class OpDeclarationsTest {
    /** Public methods that return a tensor without being an op. */
    private static final Map<String, String> NOT_OPS = Map.of(
            "requiresGrad(boolean)", "marks a leaf and returns it",
            "grad()", "reads a leaf's accumulated gradient");

    /** A device besides the one under test, for {@code to}. */
    private static final Device OTHER = new CpuDevice(1);

    enum Domain {
        /** Values of either sign, at least 0.3 from 0 (the kinks of relu and abs). */
        SIGNED,
        /** Values in [0.3, 1.5] (log, sqrt, pow). */
        POSITIVE
    }

    /** How to run one public method: the declaration it records, its inputs' shapes and domain. */
    record Call(String op, Domain domain, int[][] shapes, Function<Tensor[], Tensor> f) {}

    private static Call call(String op, Domain domain, Function<Tensor[], Tensor> f, int[]... shapes) {
        return new Call(op, domain, shapes, f);
    }

    private static final int[] M = {3, 4};

    /** One entry per public method signature. */
    static Map<String, Call> calls() {
        Map<String, Call> c = new LinkedHashMap<>();
        Domain s = Domain.SIGNED;
        Domain p = Domain.POSITIVE;
        c.put("reshape(int[])", call("reshape", s, t -> t[0].reshape(4, -1), M));
        c.put("transpose()", call("transpose", s, t -> t[0].transpose(), M));
        c.put("transpose(int,int)", call("transpose", s, t -> t[0].transpose(1, 0), M));
        c.put("slice(int,int)", call("slice", s, t -> t[0].slice(1, 3), M));
        c.put("slice(int,int,int,int)", call("slice", s, t -> t[0].slice(-1, 1, 4, 2), M));
        c.put("pad(int,int,int,Padding)", call("cat", s, t -> t[0].pad(1, 2, 1, Padding.REFLECT), M));
        c.put("clamp(float,float)", call("minimum", s, t -> t[0].clamp(-0.45f, 0.75f), M));
        c.put("permute(int[])", call("permute", s, t -> t[0].permute(2, 0, 1), new int[] {2, 3, 4}));
        // windows with a stride, a dilation and padding on every side over the image [2, 1, 4, 3] (small, so the
        // finite differences stay accurate); col2im's columns [1·2·2, 2·3·3]; a padding value that is not 0
        dev.adjoint.device.Window win = new dev.adjoint.device.Window(2, 1, 4, 3, 2, 2, 2, 1, 1, 1, 1, 2, 3, 3);
        c.put("im2col(Window,float)", call("im2col", s, t -> t[0].im2col(win, 0.5f), new int[] {2, 1, 4, 3}));
        c.put("col2im(Window)", call("col2im", s, t -> t[0].col2im(win), new int[] {4, 18}));
        c.put("maxPool(Window)", call("max_pool", s, t -> t[0].maxPool(win), new int[] {2, 1, 4, 3}));
        // convolutions (few elements, so the grid's values and the finite differences' sums stay small): stride 1
        // with dilation and padding (the CPU's implicit GEMM) over [1, 2, 3, 4], and the strided windows above
        // (im2col and GEMM); weights [2, c, 2, 2]
        dev.adjoint.device.Window one = new dev.adjoint.device.Window(1, 2, 3, 4, 2, 2, 1, 1, 1, 1, 1, 2, 3, 4);
        c.put("conv(Tensor,Window)", call("conv", s, t -> t[0].conv(t[1], one), new int[] {1, 2, 3, 4},
                new int[] {2, 2, 2, 2}));
        c.put("conv(Tensor,Tensor,Window)", call("conv", s, t -> t[0].conv(t[1], t[2], one), new int[] {1, 2, 3, 4},
                new int[] {2, 2, 2, 2}, new int[] {2}));
        c.put("convTranspose(Tensor,Window)", call("conv_transpose", s, t -> t[0].convTranspose(t[1], win),
                new int[] {2, 2, 3, 3}, new int[] {2, 1, 2, 2}));
        c.put("convWeight(Tensor,Window)", call("conv_weight", s, t -> t[0].convWeight(t[1], one),
                new int[] {1, 2, 3, 4}, new int[] {1, 2, 3, 4}));
        c.put("cat(List,int)", call("cat", s, t -> Tensor.cat(List.of(t[0], t[1]), 1), M, new int[] {3, 2}));
        c.put("stack(List,int)", call("cat", s, t -> Tensor.stack(List.of(t[0], t[1]), 1), M, M));
        c.put("expand(int[])", call("expand", s, t -> t[0].expand(3, 4), new int[] {1, 4}));
        c.put("contiguous()", call("copy", s, t -> t[0].transpose().contiguous(), M));
        c.put("copy()", call("copy", s, t -> t[0].copy(), M));
        c.put("to(Device)", call("to", s, t -> t[0].to(OTHER), M));
        // to F32 of an F32 tensor: the rules' identity checked here; rounding to BF16/F16 (straight-through) in DTypeTensorTest
        c.put("to(DType)", call("to(dtype)", s, t -> t[0].to(dev.adjoint.device.DType.F32), M));
        c.put("detach()", call("detach", s, t -> t[0].detach(), M));
        c.put("add(Tensor)", call("add", s, t -> t[0].add(t[1]), M, new int[] {4}));
        c.put("sub(Tensor)", call("sub", s, t -> t[0].sub(t[1]), M, new int[] {4}));
        c.put("mul(Tensor)", call("mul", s, t -> t[0].mul(t[1]), M, new int[] {3, 1}));
        c.put("div(Tensor)", call("div", s, t -> t[0].div(t[1]), M, new int[] {4}));
        c.put("pow(Tensor)", call("pow", p, t -> t[0].pow(t[1]), M, new int[] {4}));
        c.put("maximum(Tensor)", call("maximum", s, t -> t[0].maximum(t[1]), M, M));
        c.put("minimum(Tensor)", call("minimum", s, t -> t[0].minimum(t[1]), M, new int[] {4}));
        c.put("equal(Tensor)", call("equal", s, t -> t[0].equal(t[1]), M, M));
        c.put("greater(Tensor)", call("greater", s, t -> t[0].greater(t[1]), M, M));
        c.put("add(float)", call("add_scalar", s, t -> t[0].add(0.75f), M));
        c.put("sub(float)", call("add_scalar", s, t -> t[0].sub(0.75f), M));
        c.put("mul(float)", call("mul_scalar", s, t -> t[0].mul(-1.5f), M));
        c.put("div(float)", call("mul_scalar", s, t -> t[0].div(4f), M));
        c.put("pow(float)", call("pow_scalar", p, t -> t[0].pow(1.5f), M));
        for (String unary : List.of("neg", "exp", "sin", "cos", "square", "abs", "relu", "sigmoid", "tanh", "gelu")) {
            c.put(unary + "()", call(unary, s, t -> invoke(t[0], unary), M));
        }
        for (String unary : List.of("log", "sqrt", "reciprocal")) {
            c.put(unary + "()", call(unary, p, t -> invoke(t[0], unary), M));
        }
        c.put("leakyRelu(float)", call("leaky_relu", s, t -> t[0].leakyRelu(0.1f), M));
        c.put("sum()", call("sum", s, t -> t[0].sum(), M));
        c.put("sum(int,boolean)", call("sum", s, t -> t[0].sum(1, true), M));
        c.put("mean()", call("mean", s, t -> t[0].mean(), M));
        c.put("mean(int,boolean)", call("mean", s, t -> t[0].mean(0, false), M));
        c.put("max()", call("max", s, t -> t[0].max(), M));
        c.put("max(int,boolean)", call("max", s, t -> t[0].max(1, false), M));
        c.put("min()", call("min", s, t -> t[0].min(), M));
        c.put("min(int,boolean)", call("min", s, t -> t[0].min(0, true), M));
        c.put("argmax(int)", call("argmax", s, t -> t[0].argmax(1), M));
        c.put("matmul(Tensor)", call("matmul", s, t -> t[0].matmul(t[1]), M, new int[] {4, 2}));
        c.put("softmax()", call("softmax", s, t -> t[0].softmax(), M));
        c.put("logSoftmax()", call("log_softmax", s, t -> t[0].logSoftmax(), M));
        c.put("crossEntropy(Tensor)", call("cross_entropy", s,
                t -> t[0].crossEntropy(Tensor.of(t[0].device(), new float[] {0, 2, 3}, 3)), M));
        // index ops: the indices (and where's condition) are constants made inside the call, with repeats
        c.put("gather(int,Tensor)", call("gather", s, t -> t[0].gather(1, Tensor.of(t[0].device(),
                new float[] {3, 0, 3, 1, 2, 2, 0, 1, 1}, 3, 3)), M));
        c.put("scatterAdd(int,Tensor,Tensor)", call("scatter_add", s, t -> t[0].scatterAdd(0, Tensor.of(t[0].device(),
                new float[] {2, 0, 2, 1, 0, 0, 2, 2}, 2, 4), t[1]), M, new int[] {2, 4}));
        c.put("indexSelect(int,Tensor)", call("index_select", s,
                t -> t[0].indexSelect(-1, Tensor.of(t[0].device(), new float[] {1, 3, 1, 0, 1}, 5)), M));
        c.put("where(Tensor,Tensor,Tensor)", call("where", s, t -> Tensor.where(Tensor.of(t[0].device(),
                new float[] {1, 0, 0, 1}, 4), t[0], t[1]), M, new int[] {3, 1}));
        return c;
    }

    private static Tensor invoke(Tensor x, String method) {
        try {
            return (Tensor) Tensor.class.getMethod(method).invoke(x);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(method, e);
        }
    }

    private static String signature(Method m) {
        return m.getName() + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName)
                .collect(Collectors.joining(",", "(", ")"));
    }

    @Test
    void everyPublicOpHasACallAndEveryDeclarationIsReached() {
        Set<String> ops = new TreeSet<>();
        for (Method m : Tensor.class.getMethods()) {
            // static ops of tensors: cat and stack (of a List), where (of Tensors); not the factories
            boolean joins = Arrays.asList(m.getParameterTypes()).contains(List.class)
                    || Arrays.asList(m.getParameterTypes()).contains(Tensor.class);
            if (m.getReturnType() == Tensor.class && (!Modifier.isStatic(m.getModifiers()) || joins)) {
                ops.add(signature(m));
            }
        }
        Set<String> missing = new TreeSet<>(ops);
        missing.removeAll(calls().keySet());
        missing.removeAll(NOT_OPS.keySet());
        assertTrue(missing.isEmpty(), "public Tensor methods with no declaration checked here: " + missing
                + "; declare each op in its family's file (Op) and add it to calls()");
        Set<String> stale = new TreeSet<>(calls().keySet());
        stale.removeAll(ops);
        assertTrue(stale.isEmpty(), "calls() names methods Tensor no longer has: " + stale);

        Set<String> declared = new TreeSet<>();
        for (Op<?> op : Ops.ALL) {
            assertTrue(declared.add(op.name), "two declarations named '" + op.name + "'");
            assertTrue(op.notDifferentiable == null || !op.notDifferentiable.isBlank(), op.name);
        }
        Set<String> reached = calls().values().stream().map(Call::op).collect(Collectors.toCollection(TreeSet::new));
        Set<String> unreached = new TreeSet<>(declared);
        unreached.removeAll(reached);
        // contiguous of a contiguous tensor is its own (view) declaration; the calls reach it below
        unreached.remove("contiguous");
        assertTrue(unreached.isEmpty(), "declarations no public method reaches: " + unreached);
        Set<String> undeclared = new TreeSet<>(reached);
        undeclared.removeAll(declared);
        assertTrue(undeclared.isEmpty(), "calls() expects ops nobody declares: " + undeclared);
    }

    @ParameterizedTest
    @MethodSource("dev.adjoint.testing.Backends#names")
    void eachOpRecordsItsDeclarationAndItsRulesAgree(String backend) {
        Device d = Backends.open(backend);
        Map<String, Op<?>> byName = new LinkedHashMap<>();
        Ops.ALL.forEach(op -> byName.put(op.name, op));
        Set<String> failures = new HashSet<>();
        for (Map.Entry<String, Call> e : calls().entrySet()) {
            try (Scope scope = Scope.open()) {
                check(d, e.getKey(), e.getValue(), byName.get(e.getValue().op()));
            } catch (AssertionError | RuntimeException x) {
                failures.add(e.getKey() + " on " + backend + ": " + x.getMessage());
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        try (Scope scope = Scope.open()) {
            Tensor x = Tensor.ones(d, 2, 2).requiresGrad(true);
            assertEquals("contiguous", x.contiguous().autograd.node().op, "contiguous() of a contiguous tensor");
        }
    }

    private static void check(Device d, String method, Call call, Op<?> op) {
        Tensor[] x = inputs(d, call, 0);
        Tensor[] leaves = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) {
            leaves[i] = x[i].detach().requiresGrad(true);
        }
        Tensor y = call.f().apply(leaves);
        Tensor[] v = inputs(d, call, 1);
        Dual jvp = Dual.jvp(call.f(), x, v);
        if (op.notDifferentiable != null) {
            assertTrue(y.isLeaf() && !y.requiresGrad(), method + ": '" + op.name + "' says it is not differentiable ("
                    + op.notDifferentiable + ") but recorded a node");
            for (float t : jvp.tangent().toArray()) {
                assertEquals(0f, t, method + ": a constant's tangent");
            }
            return;
        }
        assertFalse(y.isLeaf(), method + " recorded no node");
        assertEquals(op.name, y.autograd.node().op, method + " recorded another op");
        assertEquals(Arrays.toString(y.toArray()), Arrays.toString(jvp.value().toArray()), method + ": forward mode's value");

        // JVP against central differences of the forward, (f(x + εv) − f(x − εv)) / 2ε
        float eps = 1e-3f;
        float[] plus = call.f().apply(shifted(x, v, eps)).toArray();
        float[] minus = call.f().apply(shifted(x, v, -eps)).toArray();
        float[] tangent = jvp.tangent().toArray();
        for (int i = 0; i < tangent.length; i++) {
            double fd = ((double) plus[i] - minus[i]) / (2 * eps);
            assertEquals(fd, tangent[i], 2e-3 * Math.max(1, Math.abs(fd)), method + ": JVP vs finite differences at " + i);
        }

        // VJP is the JVP's transpose: ⟨u, J·v⟩ = Σ ⟨(Jᵀ·u)_i, v_i⟩
        Tensor u = Tensor.normal(y.device(), 77, 0f, 1f, y.shape());
        y.mul(u).sum().backward();
        double forward = dot(u.toArray(), tangent);
        double reverse = 0;
        double scale = 0;
        for (int i = 0; i < x.length; i++) {
            float[] g = leaves[i].grad().toArray();
            float[] vi = v[i].toArray();
            reverse += dot(g, vi);
            for (int j = 0; j < g.length; j++) {
                scale += Math.abs((double) g[j] * vi[j]);
            }
        }
        assertEquals(reverse, forward, 1e-5 * Math.max(1, scale), method + ": <u, Jv> != <J^T u, v>");
    }

    /** Values on a grid 0.1 apart (no ties, so max and min stay put under a small shift), shuffled; tangents normal. */
    private static Tensor[] inputs(Device d, Call call, int tangents) {
        Tensor[] out = new Tensor[call.shapes().length];
        for (int i = 0; i < out.length; i++) {
            int[] shape = call.shapes()[i];
            int n = (int) Shape.numel(shape);
            if (tangents == 1) {
                out[i] = Tensor.normal(d, 31 + i, 0f, 1f, shape);
                continue;
            }
            Random rnd = new Random(17 + i);
            float[] values = new float[n];
            for (int k = 0; k < n; k++) {
                float magnitude = 0.3f + 0.1f * k + 0.03f * i;
                values[k] = call.domain() == Domain.SIGNED && rnd.nextBoolean() ? -magnitude : magnitude;
            }
            for (int k = n - 1; k > 0; k--) {
                int j = rnd.nextInt(k + 1);
                float t = values[k];
                values[k] = values[j];
                values[j] = t;
            }
            out[i] = Tensor.of(d, values, shape);
        }
        return out;
    }

    private static Tensor[] shifted(Tensor[] x, Tensor[] v, float eps) {
        Tensor[] out = new Tensor[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i].add(v[i].mul(eps));
        }
        return out;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    /** x³ as a user Function, with or without a jvp. */
    private static dev.adjoint.tensor.Function cube(boolean withJvp) {
        return new dev.adjoint.tensor.Function("cube") {
            @Override
            protected Tensor forward(Saved saved, Tensor... in) {
                saved.save(in[0]);
                return in[0].pow(3f);
            }

            @Override
            protected Tensor[] backward(Context ctx, Tensor g) {
                return new Tensor[] {g.mul(ctx.saved(0).square()).mul(3f)};
            }

            @Override
            protected Tensor jvp(Context ctx, Tensor... t) {
                return withJvp ? t[0].mul(ctx.saved(0).square()).mul(3f) : super.jvp(ctx, t);
            }
        };
    }

    @Test
    void aFunctionWithoutAJvpIsNamedInForwardMode() {
        Device d = new CpuDevice(1);
        try (Scope scope = Scope.open()) {
            dev.adjoint.tensor.Function f = cube(false);
            Tensor x = Tensor.of(d, new float[] {2f}, 1);
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> Dual.jvp(t -> f.apply(t[0]), new Tensor[] {x}, new Tensor[] {Tensor.ones(d, 1)}));
            assertTrue(e.getMessage().contains("Function 'cube' defines no jvp"), e.getMessage());
        }
    }

    @Test
    void aFunctionWithAJvpRunsInForwardMode() {
        Device d = new CpuDevice(1);
        try (Scope scope = Scope.open()) {
            dev.adjoint.tensor.Function f = cube(true);
            Dual y = Dual.jvp(t -> f.apply(t[0]).add(t[0]), new Tensor[] {Tensor.of(d, new float[] {2f, -1f}, 2)},
                    new Tensor[] {Tensor.of(d, new float[] {1f, 0.5f}, 2)});
            assertEquals("[10.0, -2.0]", Arrays.toString(y.value().toArray()), "x³ + x");
            // d(x³ + x) = (3x² + 1)·v: 13·1 and 4·0.5
            assertEquals("[13.0, 2.0]", Arrays.toString(y.tangent().toArray()));
        }
    }
}
