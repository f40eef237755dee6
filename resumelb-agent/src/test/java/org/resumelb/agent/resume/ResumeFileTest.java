package org.resumelb.agent.resume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResumeFileTest {

    static final ResumeCodec CODEC = new ResumeCodec(ResumeLimits.DEFAULT);

    static Resume resume(long seq, Map<String, Double> skills) {
        return new Resume("http://w:1/app", "w#1", "1", seq, 1000, false, skills);
    }

    @Test
    void saveThenLoadRestores(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub/dir/resume.json");
        Resume r = resume(3, Map.of("a", 2.5, "b", 0.5));
        ResumeFile.save(file, CODEC, r);
        assertEquals(Optional.of(r), ResumeFile.load(file, CODEC));
    }

    @Test
    void aMissingFileIsEmpty(@TempDir Path dir) {
        assertEquals(Optional.empty(), ResumeFile.load(dir.resolve("none.json"), CODEC));
    }

    @Test
    void aCorruptFileIsIgnored(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("resume.json");
        Files.write(file, new byte[] {(byte) 0xff, 0, 1, 2, '{'});
        assertEquals(Optional.empty(), ResumeFile.load(file, CODEC));
        byte[] good = CODEC.encode(resume(1, Map.of("a", 1.0)));
        Files.write(file, java.util.Arrays.copyOf(good, good.length / 2));
        assertEquals(Optional.empty(), ResumeFile.load(file, CODEC), "truncated");
        Files.writeString(file, "{\"v\":1,\"worker\":\"ftp://x\",\"id\":\"i\",\"seq\":1,\"sentAt\":1,\"skills\":{}}");
        assertEquals(Optional.empty(), ResumeFile.load(file, CODEC), "invalid");
        assertEquals(Optional.empty(), ResumeFile.load(dir, CODEC), "a directory");
    }

    @Test
    void writesAtomicallyAndLeavesNoTemporaryFiles(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("resume.json");
        ResumeFile.save(file, CODEC, resume(1, Map.of("long-class-name-".repeat(10) + "x", 1.0, "b", 2.0)));
        Resume second = resume(2, Map.of("c", 3.0));
        ResumeFile.save(file, CODEC, second);
        assertEquals(Optional.of(second), ResumeFile.load(file, CODEC), "replaced completely, nothing of the longer first file left");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left");
        }
        // A crash between writing the temp file and the rename leaves a stray temp file: the last good file still loads.
        Files.writeString(dir.resolve(".resume.json.123.tmp"), "{\"half");
        assertEquals(Optional.of(second), ResumeFile.load(file, CODEC));
        ResumeFile.save(file, CODEC, resume(3, Map.of()));
        assertTrue(ResumeFile.load(file, CODEC).isPresent());
    }
}
