package dev.adjoint.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code import dev.adjoint.<package>.*} never makes a name ambiguous with {@code java.lang}, which
 * every file imports implicitly (a class named Module, Record or Process would be).
 */
class WildcardImportsTest {
    private static final Path MAIN = Path.of("src/main/java/dev/adjoint");

    @Test
    void noPublicClassSharesANameWithJavaLang() throws IOException {
        List<String> clashes;
        try (Stream<Path> files = Files.walk(MAIN)) {
            clashes = files.filter(f -> f.toString().endsWith(".java"))
                    .map(f -> f.getFileName().toString().replace(".java", ""))
                    .filter(WildcardImportsTest::inJavaLang).sorted().toList();
        }
        assertEquals(List.of(), clashes, "classes named as java.lang classes (ambiguous under a wildcard import)");
    }

    private static boolean inJavaLang(String simpleName) {
        try {
            Class.forName("java.lang." + simpleName, false, ClassLoader.getPlatformClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @Test
    void aLayerWrittenWithWildcardImportsCompiles(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("Residual.java");
        Files.writeString(file, """
                import dev.adjoint.device.*;
                import dev.adjoint.nn.*;
                import dev.adjoint.optim.*;
                import dev.adjoint.tensor.*;
                import dev.adjoint.train.*;

                public class Residual extends Layer {
                    private final Linear inner;

                    public Residual(Device device, int width) {
                        inner = child("inner", new Linear(device, width, width, true, Init.HE_UNIFORM, 1));
                    }

                    @Override
                    public Tensor forward(Tensor x) {
                        return x.add(inner.forward(x).relu());
                    }
                }
                """);
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, diagnostics, "-d", dir.toString(),
                "-cp", System.getProperty("java.class.path"), file.toString());
        assertTrue(rc == 0, "a Layer subclass with wildcard imports does not compile:\n" + diagnostics);
    }
}
