package dev.adjoint.docs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The complete program shown in README.md compiles against this build and trains to a real accuracy. */
class ReadmeProgramTest {
    @TempDir
    Path dir;

    /** README's complete program, {@code QuickStart}. */
    static String quickStart() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        Matcher m = Pattern.compile("```java\\n(import dev\\.adjoint.*?public class QuickStart.*?)```", Pattern.DOTALL)
                .matcher(readme);
        assertTrue(m.find(), "README.md has no QuickStart program");
        return m.group(1);
    }

    @Test
    void readmeProgramCompilesAndTrains() throws Exception {
        String source = quickStart();
        long lines = source.lines().filter(l -> !l.isBlank()).count();
        assertTrue(lines <= 30, "the README program should stay short, has " + lines + " lines");
        Path file = dir.resolve("QuickStart.java");
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, null, diagnostics, "-d", dir.toString(), "-cp", System.getProperty("java.class.path"),
                file.toString());
        assertTrue(rc == 0, "README program does not compile:\n" + diagnostics);
        PrintStream stdout = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(out, true));
            Method main = loader.loadClass("QuickStart").getMethod("main", String[].class);
            main.invoke(null, (Object) new String[0]);
        } finally {
            System.setOut(stdout);
        }
        String printed = out.toString();
        Matcher acc = Pattern.compile("test accuracy ([0-9.]+)%").matcher(printed);
        assertTrue(acc.find(), "no accuracy printed:\n" + printed);
        double accuracy = Double.parseDouble(acc.group(1));
        assertTrue(accuracy >= 90, "README program reached only " + accuracy + "%:\n" + printed);
        assertTrue(Files.exists(Path.of("quickstart", "model.safetensors")), "checkpoint written");
        assertTrue(Files.exists(Path.of("quickstart", "best", "model.safetensors")), "best checkpoint written");
        try (var files = Files.walk(Path.of("quickstart"))) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
