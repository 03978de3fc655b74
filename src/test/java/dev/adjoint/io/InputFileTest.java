package dev.adjoint.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every file Adjoint reads is opened through {@link InputFile}: what is not a regular file is named, never waited on. */
class InputFileTest {
    @TempDir
    Path dir;

    private static String refused(Path file) {
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> InputFile.check(file, "CSV file"));
        assertTrue(e.getMessage().startsWith("CSV file " + file + " "), e.getMessage());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void aRegularFileIsReadWhole() throws IOException {
        Path f = Files.write(dir.resolve("a.json"), new byte[] {'{', '}'});
        InputFile.check(f, "CSV file");
        assertArrayEquals(new byte[] {'{', '}'}, InputFile.readAllBytes(f, "checkpoint config", 2));
        Files.createSymbolicLink(dir.resolve("link.json"), f.getFileName());
        assertArrayEquals(new byte[] {'{', '}'}, InputFile.readAllBytes(dir.resolve("link.json"), "checkpoint config", 10));
        FileFormatException big = assertThrows(FileFormatException.class, () -> InputFile.readAllBytes(f, "checkpoint config", 1));
        assertEquals(f + ": the file is 2 bytes; a checkpoint config of more than 1 bytes is refused", big.getMessage());
    }

    @Test
    void aMissingFileAndADanglingLinkAreTold() throws IOException {
        Path missing = dir.resolve("none.csv");
        assertEquals("CSV file " + missing + " does not exist", refused(missing));
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> InputFile.check(missing, "CSV file"));
        assertInstanceOf(NoSuchFileException.class, e.getCause());
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling.csv"), Path.of("gone.csv"));
        assertEquals("CSV file " + dangling + " is a symbolic link to gone.csv, which does not exist", refused(dangling));
    }

    /** The case: a loop of links was reported as "does not exist" (Files.exists is false for it). */
    @Test
    void aSymbolicLinkLoopIsCalledALoopNotMissing() throws IOException {
        Path a = dir.resolve("a.csv");
        Path b = dir.resolve("b.csv");
        Files.createSymbolicLink(a, b.getFileName());
        Files.createSymbolicLink(b, a.getFileName());
        assertEquals("CSV file " + a + " is a loop of symbolic links (or a chain of more than 40)", refused(a));
        Path inside = a.resolve("x.csv");
        assertTrue(refused(inside).contains("loop of symbolic links") || refused(inside).contains("cannot be opened"),
                refused(inside));
    }

    @Test
    void aDirectoryIsNotAFile() {
        assertEquals("CSV file " + dir + " is a directory, not a file", refused(dir));
    }

    /** Opening a FIFO for reading waits for a writer, forever if none comes: it is refused before it is opened. */
    @Test
    void aFifoIsRefusedWithoutWaitingForAWriter() throws Exception {
        Path fifo = Fifo.make(dir.resolve("model.safetensors"));
        Throwable e = Fifo.thrownWithoutBlocking(fifo, () -> InputFile.newChannel(fifo, "safetensors file").close());
        assertEquals("safetensors file " + fifo + " is a FIFO (named pipe), not a regular file: reading it could wait "
                + "forever for a writer", e.getMessage());
        e = Fifo.thrownWithoutBlocking(fifo, () -> InputFile.newInputStream(fifo, "IDX file").close());
        assertTrue(e.getMessage().startsWith("IDX file " + fifo + " is a FIFO"), e.getMessage());
    }

    @Test
    void aDeviceIsNotARegularFile() {
        Path devNull = Path.of("/dev/null");
        Assumptions.assumeTrue(Files.exists(devNull), "no /dev/null here");
        assertEquals("CSV file /dev/null is a character device, not a regular file", refused(devNull));
    }

    @Test
    void anUnreadableFileIsPermissionDenied() throws IOException {
        Path f = Files.writeString(dir.resolve("secret.csv"), "a,label\n1,0\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
        Assumptions.assumeFalse(Files.isReadable(f), "this user (root?) reads a file of mode 000 anyway");
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> InputFile.newInputStream(f, "CSV file"));
        assertEquals("CSV file " + f + " cannot be read: permission denied", e.getMessage());
    }

    @Test
    void longTextIsCutInMessages() {
        String cell = "7".repeat(1 << 20);
        String q = Excerpt.quoted(cell);
        assertEquals("'" + "7".repeat(40) + "...' (1048576 characters)", q);
        assertEquals("'a\\nb\\u001b[31m'", Excerpt.quoted("a\nb\u001b[31m"));
        assertEquals("'short'", Excerpt.quoted("short"));
        assertEquals("[a, b]", Excerpt.list(java.util.List.of("a", "b")));
        assertEquals("[0, 1, 2, 3, 4, ..., 95, 96, 97, 98, 99] (100 items)",
                Excerpt.list(java.util.stream.IntStream.range(0, 100).boxed().toList()));
        String pair = "x".repeat(39) + "\uD83D\uDE00" + "y";
        assertEquals("'" + "x".repeat(39) + "...' (42 characters)", Excerpt.quoted(pair), "a surrogate pair is not split");
    }
}
