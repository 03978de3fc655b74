package dev.adjoint.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * README.md opens with two commands, the main job and the tests; CI must run exactly the second,
 * and the launcher must run Maven unquieted so Surefire's closing line shows in CI's log.
 */
class ReadmeCommandsTest {

    /** The commands of README's first fenced block, comments stripped. */
    static List<String> firstCommands() throws Exception {
        Matcher m = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL).matcher(Files.readString(Path.of("README.md")));
        assertTrue(m.find(), "README.md has no ```sh block");
        return m.group(1).lines().map(l -> l.replaceFirst("#.*", "").strip()).filter(l -> !l.isEmpty()).toList();
    }

    @Test
    void readmeOpensWithTheMainJobAndTheTestCommand() throws Exception {
        assertEquals(List.of("./adjoint train", "./adjoint test"), firstCommands());
    }

    @Test
    void ciRunsTheReadmeTestCommandLastAndUnquieted() throws Exception {
        List<String> ci = Files.readAllLines(Path.of(".ci/run")).stream().map(String::strip)
                .filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        assertEquals(firstCommands().get(1), ci.getLast(), ".ci/run must end with the README's test command");
        String launcher = Files.readString(Path.of("adjoint"));
        Matcher test = Pattern.compile("exec \\./mvnw ([^\\n]*) test").matcher(launcher);
        assertTrue(test.find(), "the launcher's test branch does not exec ./mvnw ... test");
        List<String> flags = List.of(test.group(1).split(" "));
        assertTrue(flags.contains("-B"), "mvnw must run in batch mode: " + flags);
        assertFalse(flags.contains("-q"), "mvnw must not be quiet in the test command: " + flags);
    }
}
