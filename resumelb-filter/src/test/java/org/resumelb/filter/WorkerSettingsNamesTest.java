package org.resumelb.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.resumelb.agent.config.ConfigException;
import org.resumelb.agent.config.SettingNames;
import org.resumelb.agent.config.Settings;

/** The names the filter reads are exactly those declared in {@link SettingNames#FILTER}, and others are warned about. */
class WorkerSettingsNamesTest {

    @Test
    void theFilterAsksForExactlyTheDeclaredNames() {
        Settings s = new Settings(List.of(Settings.of(Map.of())));
        WorkerSettings.read(s, "/app");
        assertEquals(SettingNames.FILTER, s.asked(), "SettingNames.FILTER must list what WorkerSettings.read reads");
    }

    @Test
    void unknownNamesAreListedWithoutValues() {
        String secret = "not-to-be-shown-0123456789";
        Settings s = new Settings(List.of(Settings.environment(Map.of("RESUMELB_POLICY", "resume", "RESUMELB_HEARTBAET", "1s")),
                Settings.initParams(Map.of("pushTimout", "5s", "secert", secret, "history", "5"))));
        WorkerSettings w = WorkerSettings.read(s, "/app");
        assertEquals(5, w.history());
        assertEquals(List.of(
                "ResumeLB ignores the environment variable RESUMELB_HEARTBAET: no such setting; did you mean RESUMELB_HEARTBEAT?",
                "ResumeLB ignores the init-param pushTimout: no such setting; did you mean pushTimeout?",
                "ResumeLB ignores the init-param secert: no such setting; did you mean secret?"), w.unknownSettings());
        assertFalse(w.unknownSettings().toString().contains(secret));
    }

    @Test
    void aFailedReadAlsoNamesTheIgnoredSettings() {
        Settings s = new Settings(List.of(Settings.initParams(Map.of("lb", "http://lb:8080", "workerUrl", "http://w:8080",
                "secert", "not-to-be-shown-0123456789"))));
        ConfigException e = assertThrows(ConfigException.class, () -> WorkerSettings.read(s, "/app"));
        assertEquals("secret", e.setting());
        assertTrue(e.getMessage().contains("required when 'lb' is set")
                && e.getMessage().contains("ResumeLB ignores the init-param secert: no such setting; did you mean secret?"), e.getMessage());
        assertFalse(e.getMessage().contains("not-to-be-shown"), e.getMessage());
    }

    @Test
    void theFilterStartsAndListsItsWarnings() throws Exception {
        ResumeFilterTest t = new ResumeFilterTest();
        t.start();
        try {
            t.startWorker(Map.of("hearbeat", "1s", "history", "5"));
            assertEquals(List.of("ResumeLB ignores the init-param hearbeat: no such setting; did you mean heartbeat?"),
                    t.resumeFilter().settings().unknownSettings().stream().filter(w -> w.contains("init-param"))
                            .collect(Collectors.toList()));
        } finally {
            t.stop();
        }
    }
}
