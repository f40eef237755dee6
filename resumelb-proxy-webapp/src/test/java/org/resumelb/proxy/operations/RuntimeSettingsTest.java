package org.resumelb.proxy.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.resumelb.proxy.pool.PoolSettings;

class RuntimeSettingsTest {

    final RuntimeSettings defaults = new RuntimeSettings("resume", PoolSettings.DEFAULTS);

    @Test
    void changesApplyAsAWholeOrNotAtAll() {
        RuntimeSettings s = defaults.with(Map.of("variance", 2.5, "policy", "least-backlog", "backlogHistory", 20));
        assertEquals(2.5, s.pool().variance());
        assertEquals(20, s.pool().backlogHistory());
        assertEquals("least-backlog", s.policy());
        assertEquals(1.0, s.pool().unskilledScore());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> defaults.with(Map.of("variance", 3.0, "unskilledScore", -1)));
        assertTrue(e.getMessage().contains("unskilledScore"), e.getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> defaults.with(Map.of("policy", "random")))
                .getMessage().contains("round-robin"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> defaults.with(Map.of("backlogHistory", 2.5)))
                .getMessage().contains("backlogHistory"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> defaults.with(Map.of("secret", "x")))
                .getMessage().contains("Unknown setting 'secret'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> defaults.with(Map.of("variance", "fast")))
                .getMessage().contains("variance"));
    }

    @Test
    void savedAtomicallyWithTheFormerFileKeptAsBackup(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("lb-settings.json");
        RuntimeSettings first = defaults.with(Map.of("variance", 3));
        first.save(file);
        assertFalse(Files.exists(RuntimeSettings.backup(file)), "no backup of nothing");
        RuntimeSettings second = first.with(Map.of("policy", "consistent-hash"));
        second.save(file);
        assertEquals(second, defaults.load(file));
        assertEquals(first, defaults.load(RuntimeSettings.backup(file)));
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void aCorruptFileIsRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("s.json");
        Files.writeString(file, "{\"variance\": 2, \"policy\": ", StandardCharsets.UTF_8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> defaults.load(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("malformed"), e.getMessage());
        Files.writeString(file, "{\"variance\": 0}", StandardCharsets.UTF_8);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> defaults.load(file)).getMessage().contains("variance"));
        Files.writeString(file, "{\"variance\": 1, \"variance\": 2}", StandardCharsets.UTF_8);
        assertThrows(IllegalArgumentException.class, () -> defaults.load(file));
    }
}
