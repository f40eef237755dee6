package org.resumelb.agent.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void createsTheFileAndItsDirectories(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("a/b/settings.json");
        AtomicFile.write(file, utf8("first"), true);
        assertEquals("first", Files.readString(file));
        assertEquals(List.of("settings.json"), names(file.getParent()), "no backup of a file that did not exist, no temporary file");
    }

    @Test
    void replacesTheContentCompletely(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("resume.json");
        AtomicFile.write(file, utf8("a much longer first content ".repeat(100)), false);
        AtomicFile.write(file, utf8("short"), false);
        assertEquals("short", Files.readString(file), "nothing of the longer first file left");
        AtomicFile.write(file, new byte[0], false);
        assertArrayEquals(new byte[0], Files.readAllBytes(file));
        assertEquals(List.of("resume.json"), names(dir), "no backup unless asked, no temporary file left");
    }

    @Test
    void keepsThePreviousFileAsBackupWhenAsked(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("settings.json");
        assertEquals(dir.resolve("settings.json.bak"), AtomicFile.backup(file));
        AtomicFile.write(file, utf8("one"), true);
        AtomicFile.write(file, utf8("two"), true);
        assertEquals("two", Files.readString(file));
        assertEquals("one", Files.readString(AtomicFile.backup(file)));
        AtomicFile.write(file, utf8("three"), true);
        assertEquals("three", Files.readString(file));
        assertEquals("two", Files.readString(AtomicFile.backup(file)), "the backup is the file just replaced");
        AtomicFile.write(file, utf8("four"), false);
        assertEquals("two", Files.readString(AtomicFile.backup(file)), "left alone when not asked");
        assertEquals(List.of("settings.json", "settings.json.bak"), names(dir), "no temporary file left");
    }

    @Test
    void aRelativePathWorks(@TempDir Path dir) throws Exception {
        Path file = Path.of("").toAbsolutePath().relativize(dir.resolve("rel.json"));
        AtomicFile.write(file, utf8("x"), true);
        AtomicFile.write(file, utf8("y"), true);
        assertEquals("y", Files.readString(dir.resolve("rel.json")));
        assertEquals("x", Files.readString(dir.resolve("rel.json.bak")));
    }

    @Test
    void aFailedBackupLeavesTheOldFileAndNoTemporaryFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("settings.json");
        AtomicFile.write(file, utf8("old"), false);
        // A non-empty directory where the backup should go: copying the old file there fails.
        Path bak = AtomicFile.backup(file);
        Files.createDirectories(bak);
        Files.writeString(bak.resolve("occupied"), "x");
        assertThrows(IOException.class, () -> AtomicFile.write(file, utf8("new"), true));
        assertEquals("old", Files.readString(file));
        assertEquals(List.of("settings.json", "settings.json.bak"), names(dir), "the temporary file is deleted");
    }

    @Test
    void aFailedRenameLeavesWhatWasThereAndNoTemporaryFile(@TempDir Path dir) throws Exception {
        // The target is a non-empty directory: the rename over it fails.
        Path target = dir.resolve("taken");
        Files.createDirectories(target);
        Files.writeString(target.resolve("inside"), "kept");
        assertThrows(IOException.class, () -> AtomicFile.write(target, utf8("new"), false));
        assertEquals("kept", Files.readString(target.resolve("inside")));
        assertEquals(List.of("taken"), names(dir), "the temporary file is deleted");
    }

    @Test
    void aStrayTemporaryFileFromACrashDoesNotDisturbTheNextWrite(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("resume.json");
        AtomicFile.write(file, utf8("good"), false);
        Path stray = dir.resolve(".resume.json.123.tmp");
        Files.writeString(stray, "{\"half");
        AtomicFile.write(file, utf8("better"), false);
        assertEquals("better", Files.readString(file));
        assertEquals("{\"half", Files.readString(stray), "someone else's temporary file is left alone");
        assertEquals(List.of(".resume.json.123.tmp", "resume.json"), names(dir));
    }
}
