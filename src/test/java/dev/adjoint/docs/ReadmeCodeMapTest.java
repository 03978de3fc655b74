package dev.adjoint.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * README's code map stays true: its table names every package under {@code src/main/java/dev/adjoint}
 * (backend subpackages are named in their parent's line) and no package that is gone, and every
 * file in "To add an elementwise op" exists, so a newcomer following it finds each one.
 */
class ReadmeCodeMapTest {
    private static final Path ROOT = Path.of("src/main/java/dev/adjoint");

    private static String section(String heading) throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int start = readme.indexOf("## " + heading);
        assertTrue(start >= 0, "README.md has no '## " + heading + "' section");
        int end = readme.indexOf("\n## ", start + 3);
        return readme.substring(start, end < 0 ? readme.length() : end);
    }

    @Test
    void theTableNamesEveryPackage() throws IOException {
        Set<String> named = new TreeSet<>();
        Matcher row = Pattern.compile("(?m)^\\| (`[a-z]+`(?:, `[a-z]+`)*) \\|").matcher(section("Code map"));
        while (row.find()) {
            Matcher pkg = Pattern.compile("`([a-z]+)`").matcher(row.group(1));
            while (pkg.find()) {
                named.add(pkg.group(1));
            }
        }
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> dirs = Files.list(ROOT)) {
            dirs.filter(Files::isDirectory).forEach(d -> packages.add(d.getFileName().toString()));
        }
        assertEquals(packages, named, "the code map's packages against src/main/java/dev/adjoint");
    }

    @Test
    void everyFileToTouchForANewOpExists() throws IOException {
        String map = section("Code map");
        int list = map.indexOf("**To add an elementwise op**");
        assertTrue(list >= 0, "the code map has no 'To add an elementwise op' list");
        List<String> missing = new ArrayList<>();
        int steps = 0;
        for (String line : map.substring(list).lines().filter(l -> l.matches("\\d+\\. .*")).toList()) {
            steps++;
            Matcher file = Pattern.compile("`([\\w./]+\\.(?:java|cl|cu|cuh|sh))`").matcher(line);
            while (file.find()) {
                String f = file.group(1);
                Path p = f.startsWith("kernels/") || f.startsWith("native/") ? Path.of(f)
                        : f.startsWith("src/test/.../") ? Path.of("src/test/java/dev/adjoint", f.substring(13))
                        : ROOT.resolve(f);
                if (!Files.isRegularFile(p)) {
                    missing.add(f + " (looked for " + p + ")");
                }
            }
        }
        assertTrue(steps >= 5, "the list has " + steps + " numbered steps");
        assertTrue(missing.isEmpty(), "files the README tells a newcomer to touch that do not exist: " + missing);
    }
}
