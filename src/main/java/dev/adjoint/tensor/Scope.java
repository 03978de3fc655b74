package dev.adjoint.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Closes, at its end, every tensor created on this thread while it was open, except those passed
 * to {@link #keep}. Scopes nest; a kept tensor passes to the enclosing scope.
 *
 * <pre>{@code
 * try (Scope scope = Scope.open()) {
 *     Tensor y = x.matmul(w).add(b).relu();
 *     return scope.keep(y);
 * }
 * }</pre>
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Deque<Scope>> OPEN = ThreadLocal.withInitial(ArrayDeque::new);

    private final List<Tensor> owned = new ArrayList<>();
    private boolean closed;

    private Scope() {}

    public static Scope open() {
        Scope s = new Scope();
        OPEN.get().push(s);
        return s;
    }

    /** Adds a new tensor to the innermost open scope of this thread, if any. */
    static void track(Tensor t) {
        Scope s = OPEN.get().peek();
        if (s != null) {
            s.owned.add(t);
        }
    }

    /** Removes a tensor from the innermost scope without handing it to another: its owner closes it. */
    static Tensor escape(Tensor t) {
        Scope s = OPEN.get().peek();
        if (s != null) {
            int i = s.owned.lastIndexOf(t);
            if (i >= 0) {
                s.owned.remove(i);
            }
        }
        return t;
    }

    /** Whether this scope would close {@code t}. */
    boolean owns(Tensor t) {
        return owned.contains(t);
    }

    /** Exempts a tensor from this scope's close; it belongs to the enclosing scope, if there is one. */
    public Tensor keep(Tensor t) {
        if (owned.remove(t)) {
            Deque<Scope> stack = OPEN.get();
            Scope outer = null;
            boolean seen = false;
            for (Scope s : stack) {
                if (seen) {
                    outer = s;
                    break;
                }
                seen = s == this;
            }
            if (outer != null) {
                outer.owned.add(t);
            }
        }
        return t;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Deque<Scope> stack = OPEN.get();
        if (stack.peek() != this) {
            throw new IllegalStateException("scopes must be closed innermost first");
        }
        stack.pop();
        for (int i = owned.size() - 1; i >= 0; i--) {
            owned.get(i).close();
        }
        owned.clear();
    }
}
