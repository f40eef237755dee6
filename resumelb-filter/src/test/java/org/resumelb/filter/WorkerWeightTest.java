package org.resumelb.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.resumelb.agent.config.ConfigException;
import org.resumelb.agent.config.Settings;
import org.resumelb.agent.protocol.Protocol;
import org.resumelb.agent.resume.Resume;

/**
 * The {@code weight} setting: a number from 0.01 to 1000 or {@code processors},
 * default 1, refused with the setting named otherwise; and the weight in every
 * résumé the filter pushes and serves.
 */
class WorkerWeightTest {

    static double weight(Map<String, String> params) {
        return WorkerSettings.read(new Settings(List.of(Settings.initParams(params))), "/app").weight();
    }

    @Test
    void theWeightIsOneUnlessSetAndProcessorsMeansTheJvmsProcessors() {
        assertEquals(1.0, weight(Map.of()));
        assertEquals(3.0, weight(Map.of("weight", "3")));
        assertEquals(0.25, weight(Map.of("weight", " 0.25 ")));
        assertEquals(Resume.MIN_WEIGHT, weight(Map.of("weight", "0.01")));
        assertEquals(Resume.MAX_WEIGHT, weight(Map.of("weight", "1000")));
        double processors = Runtime.getRuntime().availableProcessors();
        assertEquals(processors, weight(Map.of("weight", "processors")));
        assertEquals(processors, weight(Map.of("weight", "Processors")));
        // The same reader wherever the value comes from: a system property or environment variable alike.
        Settings env = new Settings(List.of(Settings.environment(Map.of("RESUMELB_WEIGHT", "2.5"))));
        assertEquals(2.5, WorkerSettings.read(env, "/app").weight());
        assertEquals("2.5", env.inForce().get("weight"));
    }

    @Test
    void anInvalidWeightStopsTheFilterNamingTheSettingTheValueAndWhatIsAccepted() {
        int processors = Runtime.getRuntime().availableProcessors();
        for (String bad : new String[] {"0", "-1", "0.001", "1000.5", "1e9", "NaN", "Infinity", "heavy", "3x", "cores"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> weight(Map.of("weight", bad)), bad);
            assertEquals("weight", e.setting());
            assertTrue(e.getMessage().startsWith("ResumeLB setting 'weight' = '" + bad + "': "), e.getMessage());
            assertTrue(e.getMessage().endsWith("; accepted: a number from 0.01 to 1000.0, or processors (the processors"
                    + " available to this JVM, now " + processors + ")"), e.getMessage());
        }
        assertTrue(assertThrows(ConfigException.class, () -> weight(Map.of("weight", "heavy")))
                .getMessage().contains(": not a number;"));
        assertTrue(assertThrows(ConfigException.class, () -> weight(Map.of("weight", "0")))
                .getMessage().contains(": out of range;"));
    }

    @Test
    void theFilterPushesAndServesItsWeight() throws Exception {
        ResumeFilterTest t = new ResumeFilterTest();
        t.start();
        try {
            Map<String, String> params = new HashMap<>(ResumeFilterTest.pushing(t.receiver.url()));
            params.put("weight", "3");
            t.startWorker(params);
            t.get("/p", null, "c0");
            List<PushReceiver.Push> pushes = t.receiver.awaitPushes(2, 10_000);
            assertTrue(pushes.size() >= 2, "pushes: " + pushes.size());
            for (PushReceiver.Push p : pushes) {
                assertTrue(Protocol.verify(ResumeFilterTest.SECRET.getBytes(StandardCharsets.UTF_8), p.body(), p.signature()));
                assertEquals(3.0, ResumeFilterTest.CODEC.decode(p.body()).weight(), new String(p.body(), StandardCharsets.UTF_8));
            }
            Resume served = ResumeFilterTest.CODEC.decode(t.get("/_resumelb/resume", null, null).getContent());
            assertEquals(3.0, served.weight());
        } finally {
            t.stop();
        }
    }
}
