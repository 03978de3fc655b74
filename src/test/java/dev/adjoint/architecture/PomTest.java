package dev.adjoint.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.testing.Pom;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the library's pom promises a consumer (issue #22): an open-source licence and the metadata
 * a repository asks for; no dependency it must resolve (the GPU bindings are optional, JMH is for the
 * tests); JCuda without its OS-activated natives; and a bench/pom.xml that builds the benchmarks of
 * this very version.
 */
class PomTest {
    private static final Path POM = Path.of("pom.xml");

    @Test
    void theLibraryHasALicenceAndPublishingMetadata() throws Exception {
        Pom pom = Pom.read(POM);
        assertEquals("Apache-2.0", pom.text("licenses/license/name"));
        assertTrue(Files.readString(Path.of("LICENSE")).strip().startsWith("Apache License\n"), "LICENSE is not Apache-2.0");
        for (String field : List.of("description", "url", "scm/url", "scm/connection", "developers/developer/name")) {
            assertFalse(pom.text(field).isEmpty(), "pom.xml has no " + field);
        }
    }

    @Test
    void aConsumerResolvesNothingButTheLibrary() throws Exception {
        for (Pom.Dependency d : Pom.read(POM).dependencies()) {
            if (!d.scope().equals("test")) {
                assertTrue(d.optional(), d.coordinates() + " would be resolved by every consumer: make it optional");
            }
            if (d.groupId().equals("org.openjdk.jmh")) {
                assertEquals("test", d.scope(), "JMH is the benchmarks' (bench/pom.xml), the library's tests' at most");
            }
            if (d.groupId().equals("org.jcuda") && d.classifier().isEmpty()) {
                assertTrue(d.exclusions().contains("org.jcuda:jcuda-natives"),
                        d.coordinates() + " must exclude JCuda's OS-activated natives (unpublished on ARM and macOS)");
            }
        }
    }

    @Test
    void theBenchmarksBuildAgainstThisVersion() throws Exception {
        Pom library = Pom.read(POM);
        Pom bench = Pom.read(Path.of("bench/pom.xml"));
        assertEquals(library.text("version"), bench.text("version"), "bench/pom.xml's version (its library's)");
        for (String p : List.of("jcuda.version", "lwjgl.version", "jmh.version", "maven.compiler.release")) {
            assertEquals(library.property(p), bench.property(p), p + " in bench/pom.xml");
        }
    }
}
