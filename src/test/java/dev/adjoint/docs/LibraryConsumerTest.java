package dev.adjoint.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.testing.ChildJvm;
import dev.adjoint.testing.Pom;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * README's "Use it as a library" holds (issue #22). A separate Maven project that depends on the
 * library resolves it as macOS and Linux on aarch64 (where JCuda's natives were never published), as
 * macOS x86_64 and as Windows (-Dos.name, -Dos.arch), and on the first two compiles README's QuickStart
 * and trains it on the CPU with no JMH and no GPU binding on its class path; plain {@code javac -cp}
 * with the library's jar alone does the same.
 *
 * <p>The library is laid out the way {@code install} lays it out (target/classes as the jar, pom.xml as
 * its pom) in a temporary local repository. ./mvnw runs offline, with the build's own local repository
 * as a read-only tail (Maven 3.9's maven.repo.local.tail): it holds the plugins this build has just run,
 * pinned in pom.xml to the versions the consumer's pom names, so nothing is downloaded.
 */
class LibraryConsumerTest {
    @TempDir
    static Path dir;

    private static Path repository;
    private static Path jar;
    private static Path project;

    /** The consumer's pom: the library, JUnit to run the check, and the library build's own plugin versions. */
    private static final String CONSUMER_POM = """
            <project xmlns="http://maven.apache.org/POM/4.0.0">
              <modelVersion>4.0.0</modelVersion>
              <groupId>example</groupId>
              <artifactId>consumer</artifactId>
              <version>1</version>
              <properties>
                <maven.compiler.release>25</maven.compiler.release>
                <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
              </properties>
              <dependencies>
                <dependency><groupId>dev.adjoint</groupId><artifactId>adjoint</artifactId><version>%s</version></dependency>
                <dependency>
                  <groupId>org.junit.jupiter</groupId><artifactId>junit-jupiter</artifactId><version>%s</version>
                  <scope>test</scope>
                </dependency>
              </dependencies>
              <build>
                <plugins>
                  <plugin><artifactId>maven-resources-plugin</artifactId><version>%s</version></plugin>
                  <plugin><artifactId>maven-compiler-plugin</artifactId><version>%s</version></plugin>
                  <plugin>
                    <artifactId>maven-surefire-plugin</artifactId><version>%s</version>
                    <configuration><argLine>--add-modules jdk.incubator.vector</argLine></configuration>
                  </plugin>
                </plugins>
              </build>
            </project>
            """;

    /** Beside QuickStart in the consumer: writes its class path, each backend's availability and QuickStart's output. */
    private static final String CONSUMER_CHECK = """
            import dev.adjoint.device.Backend;
            import dev.adjoint.device.Devices;
            import java.io.ByteArrayOutputStream;
            import java.io.File;
            import java.io.PrintStream;
            import java.nio.file.Files;
            import java.nio.file.Path;
            import java.util.Comparator;
            import java.util.stream.Stream;

            public class ConsumerCheck {
                public static void main(String[] args) throws Exception {
                    Files.writeString(Path.of("classpath.txt"),
                            System.getProperty("java.class.path").replace(File.pathSeparator, "\\n"));
                    StringBuilder backends = new StringBuilder();
                    for (Backend b : Devices.backends()) {
                        Backend.Availability a = b.availability();
                        backends.append(b.name()).append(a.available() ? " available: " : " unavailable: ")
                                .append(a.reason()).append("; versions ").append(b.versions()).append('\\n');
                    }
                    Files.writeString(Path.of("backends.txt"), backends);
                    if (Files.exists(Path.of("quickstart"))) {
                        try (Stream<Path> files = Files.walk(Path.of("quickstart"))) {
                            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                                Files.delete(p);
                            }
                        }
                    }
                    PrintStream stdout = System.out;
                    ByteArrayOutputStream printed = new ByteArrayOutputStream();
                    System.setOut(new PrintStream(printed, true));
                    try {
                        QuickStart.main(args);
                    } finally {
                        System.setOut(stdout);
                        Files.write(Path.of("quickstart.out"), printed.toByteArray());
                    }
                }
            }
            """;

    private static final String CONSUMER_CHECK_TEST = """
            class ConsumerCheckTest {
                @org.junit.jupiter.api.Test
                void trainsQuickStartOnTheCpu() throws Exception {
                    ConsumerCheck.main(new String[0]);
                }
            }
            """;

    @BeforeAll
    static void installTheLibraryAndWriteTheConsumer() throws Exception {
        Pom pom = Pom.read(Path.of("pom.xml"));
        String version = pom.text("version");
        repository = dir.resolve("repository");
        Path artifact = repository.resolve("dev/adjoint/adjoint/" + version);
        Files.createDirectories(artifact);
        jar = artifact.resolve("adjoint-" + version + ".jar");
        writeJar(Path.of("target/classes"), jar);
        Files.copy(Path.of("pom.xml"), artifact.resolve("adjoint-" + version + ".pom"));
        project = dir.resolve("consumer");
        Files.createDirectories(project.resolve("src/main/java"));
        Files.createDirectories(project.resolve("src/test/java"));
        Files.writeString(project.resolve("pom.xml"), CONSUMER_POM.formatted(version, pom.property("junit.version"),
                pom.pluginVersion("maven-resources-plugin"), pom.pluginVersion("maven-compiler-plugin"),
                pom.pluginVersion("maven-surefire-plugin")));
        Files.writeString(project.resolve("src/main/java/QuickStart.java"), ReadmeProgramTest.quickStart());
        Files.writeString(project.resolve("src/main/java/ConsumerCheck.java"), CONSUMER_CHECK);
        Files.writeString(project.resolve("src/test/java/ConsumerCheckTest.java"), CONSUMER_CHECK_TEST);
    }

    private static void writeJar(Path classes, Path out) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        try (JarOutputStream jarOut = new JarOutputStream(Files.newOutputStream(out), manifest);
                Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                jarOut.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, jarOut);
                jarOut.closeEntry();
            }
        }
    }

    @Test
    void theLibraryJarHoldsTheLibraryOnly() throws IOException {
        List<String> foreign = new ArrayList<>();
        try (JarFile j = new JarFile(jar.toFile())) {
            j.stream().map(JarEntry::getName)
                    .filter(n -> n.equals("META-INF/BenchmarkList") || n.contains("/jmh/") || n.startsWith("org/")
                            || n.startsWith("jcuda/") || n.startsWith("lib/"))
                    .forEach(foreign::add);
            for (String needed : List.of("META-INF/services/dev.adjoint.device.Backend", "META-INF/LICENSE",
                    "kernels/opencl/gemm.cl", "kernels/cuda/elementwise.ptx")) {
                assertTrue(j.getEntry(needed) != null, "the library's jar lacks " + needed);
            }
        }
        assertEquals(List.of(), foreign, "the library's jar holds benchmarks or another project's classes");
    }

    @Test
    void theReadmeNamesTheseVersions() throws Exception {
        Pom pom = Pom.read(Path.of("pom.xml"));
        assertEquals(List.of(pom.text("version")), versions(Path.of("README.md"), "## Use it as a library"),
                "the versions README's 'Use it as a library' names");
        assertEquals(List.of(pom.property("jcuda.version"), pom.property("lwjgl.version")),
                versions(Path.of("src/site/markdown/java-api.md"), "## The GPU bindings"),
                "the versions java-api.md's 'The GPU bindings' names");
    }

    /** The distinct version numbers a section names, in order. */
    private static List<String> versions(Path page, String heading) throws Exception {
        String text = Files.readString(page);
        int start = text.indexOf(heading);
        assertTrue(start >= 0, page + " has no '" + heading + "' section");
        int end = text.indexOf("\n## ", start);
        Matcher named = Pattern.compile("\\b\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?")
                .matcher(text.substring(start, end < 0 ? text.length() : end));
        List<String> found = new ArrayList<>();
        while (named.find()) {
            if (!found.contains(named.group())) {
                found.add(named.group());
            }
        }
        return found;
    }

    @ParameterizedTest(name = "{0} {1}: mvn {2}")
    @CsvSource({"Mac OS X, aarch64, test", "Linux, aarch64, test", "Mac OS X, x86_64, compile", "Windows 11, amd64, compile"})
    void aMavenConsumerResolvesTheLibraryAs(String os, String arch, String phase) throws Exception {
        String tail = System.getProperty("adjoint.test.localRepository",
                Path.of(System.getProperty("user.home"), ".m2", "repository").toString());
        List<String> mvn = List.of(Path.of("mvnw").toAbsolutePath().toString(), "-o", "-B", "-q",
                "-f", project.resolve("pom.xml").toString(), "-Dmaven.repo.local=" + repository,
                "-Dmaven.repo.local.tail=" + tail, "-Dos.name=" + os, "-Dos.arch=" + arch, phase);
        ChildJvm.Result r = ChildJvm.start(project, "", env -> {
            env.put("JAVA_HOME", System.getProperty("java.home"));
            env.put("MAVEN_OPTS", "--sun-misc-unsafe-memory-access=allow -XX:TieredStopAtLevel=1 -XX:+UseSerialGC");
            env.remove("MAVEN_ARGS");
        }, mvn).await(180);
        assertEquals(0, r.code(), () -> "the consumer's 'mvn " + phase + "' as " + os + " " + arch + " failed"
                + (r.timedOut() ? " (timed out)" : "") + ":\n" + lastLines(r.out() + r.err(), 40));
        if (phase.equals("test")) {
            assertTrainedOnTheCpuWithTheLibraryAlone(project);
        }
    }

    @Test
    void plainJavacAndJavaWithTheJarAlone() throws Exception {
        Path app = dir.resolve("javac");
        Files.createDirectories(app);
        Files.writeString(app.resolve("QuickStart.java"), ReadmeProgramTest.quickStart());
        Files.writeString(app.resolve("ConsumerCheck.java"), CONSUMER_CHECK);
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, diagnostics, "-d", app.toString(),
                "-cp", jar.toString(), app.resolve("QuickStart.java").toString(), app.resolve("ConsumerCheck.java").toString());
        assertEquals(0, rc, diagnostics::toString);
        List<String> java = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "-cp", jar + File.pathSeparator + app, "ConsumerCheck");
        ChildJvm.Result r = ChildJvm.start(app, "", env -> { }, java).await(120);
        assertEquals(0, r.code(), () -> "java -cp <the library's jar> failed:\n" + lastLines(r.out() + r.err(), 40));
        assertTrainedOnTheCpuWithTheLibraryAlone(app);
    }

    /** What ConsumerCheck wrote in {@code where}: the class path, the backends, QuickStart's accuracy. */
    private static void assertTrainedOnTheCpuWithTheLibraryAlone(Path where) throws IOException {
        List<String> classpath = Files.readAllLines(where.resolve("classpath.txt"));
        assertTrue(classpath.contains(jar.toString()), "the library's jar is not on the class path: " + classpath);
        List<String> more = classpath.stream().map(e -> Path.of(e).getFileName().toString())
                .filter(name -> name.matches("(?i).*(jmh|commons-math|jopt|jcuda|jcublas|lwjgl).*")).toList();
        assertEquals(List.of(), more, "the consumer's class path has JMH or a GPU binding: " + classpath);
        String backends = Files.readString(where.resolve("backends.txt"));
        for (String line : List.of("cuda unavailable: JCuda is not on the class path",
                "opencl unavailable: LWJGL is not on the class path", "cpu available: ")) {
            assertTrue(backends.contains(line), "no '" + line + "' in:\n" + backends);
        }
        String printed = Files.readString(where.resolve("quickstart.out"));
        Matcher accuracy = Pattern.compile("test accuracy ([0-9.]+)%").matcher(printed);
        assertTrue(accuracy.find() && Double.parseDouble(accuracy.group(1)) >= 90,
                "QuickStart did not reach 90%:\n" + lastLines(printed, 10));
    }

    private static String lastLines(String text, int n) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    }
}
