package org.resumelb.agent.publish;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeLimits;

/** The publisher's trimming: a résumé over the load balancer's limits becomes one the codec accepts, best classes first. */
class ResumeTrimmerTest {

    static final ResumeCodec CODEC = new ResumeCodec(ResumeLimits.DEFAULT);
    static final ResumeTrimmer TRIMMER = new ResumeTrimmer(CODEC);

    static Resume resume(Map<String, Double> skills) {
        return new Resume("http://10.0.0.5:8080/app", "10.0.0.5:8080/app#6f1c2a9b3d4e5f60", "2.3.1", 42, 1795000000000L, false, skills);
    }

    /** Class i scores i: the highest-numbered classes are the best. */
    static Map<String, Double> classes(int n, String namePrefix) {
        Map<String, Double> skills = new HashMap<>();
        for (int i = 0; i < n; i++) {
            skills.put(namePrefix + i, (double) i + 0.5);
        }
        return skills;
    }

    @Test
    void twentyThousandClassesBecomeTheTenThousandBestThatTheCodecAccepts() throws Exception {
        Resume big = resume(classes(20_000, "site-"));
        long start = System.nanoTime();
        ResumeTrimmer.Fitted f = TRIMMER.fit(big);
        double millis = (System.nanoTime() - start) / 1e6;
        Resume decoded = CODEC.decode(f.body());
        System.out.printf("20000 classes -> %d kept (%d beyond maxClasses, %d for size, %d invalid), %d bytes, in %.1f ms%n",
                f.classesKept(), f.droppedForCount(), f.droppedForSize(), f.droppedInvalid(), f.body().length, millis);
        assertTrue(f.trimmed());
        assertEquals(10_000, decoded.skills().size());
        assertEquals(f.resume(), decoded, "the body is the fitted résumé");
        assertEquals(10_000, f.droppedForCount());
        assertEquals(0, f.droppedForSize());
        for (int i = 10_000; i < 20_000; i++) {
            assertEquals(i + 0.5, decoded.skills().get("site-" + i), "top class site-" + i + " kept with its score");
        }
        assertFalse(decoded.skills().containsKey("site-9999"), "the best of the dropped is still dropped");
        assertEquals(big.seq(), decoded.seq());
        assertEquals(big.id(), decoded.id());
    }

    @Test
    void longNamesAreTrimmedToTheBodyLimitKeepingTheBest() throws Exception {
        // 8,000 classes of 250 characters: within maxClasses but about 2 MB, twice the body limit.
        String pad = "x".repeat(240);
        Map<String, Double> skills = new HashMap<>();
        for (int i = 0; i < 8_000; i++) {
            skills.put(String.format("%05d", i) + pad + "ü", 1000.0 / (i + 1)); // class 0 is the best, a two-byte character each
        }
        ResumeTrimmer.Fitted f = TRIMMER.fit(resume(skills));
        Resume decoded = CODEC.decode(f.body());
        int kept = decoded.skills().size();
        System.out.printf("8000 classes of 246 characters -> %d kept, %d bytes of %d allowed%n", kept, f.body().length,
                ResumeLimits.DEFAULT.maxBodyBytes());
        assertTrue(f.body().length <= ResumeLimits.DEFAULT.maxBodyBytes());
        assertTrue(f.body().length > ResumeLimits.DEFAULT.maxBodyBytes() * 0.97, "the estimate wastes little room: " + f.body().length);
        assertEquals(8_000 - kept, f.droppedForSize());
        for (int i = 0; i < kept; i++) {
            assertTrue(decoded.skills().containsKey(String.format("%05d", i) + pad + "ü"), "the " + kept + " best are the ones kept");
        }
    }

    @Test
    void classesTheLoadBalancerWouldRefuseAreDroppedAndTheRestSent() throws Exception {
        Map<String, Double> skills = new HashMap<>(Map.of(
                "ok", 5.0,
                "quote\"and\\backslash", 4.0,
                "ünïcødé/日本/🙂", 3.0,
                "y".repeat(256), 2.0));
        skills.put("z".repeat(257), 9.0);          // too long
        skills.put("tab\there", 9.0);             // control character
        skills.put("", 9.0);                       // empty
        skills.put("lone\uD800surrogate", 9.0);    // not encodable
        skills.put("nan", Double.NaN);
        skills.put("negative", -1.0);
        skills.put("infinite", Double.POSITIVE_INFINITY);
        ResumeTrimmer.Fitted f = TRIMMER.fit(resume(skills));
        Resume decoded = CODEC.decode(f.body());
        assertEquals(Map.of("ok", 5.0, "quote\"and\\backslash", 4.0, "ünïcødé/日本/🙂", 3.0, "y".repeat(256), 2.0), decoded.skills());
        assertEquals(7, f.droppedInvalid());
    }

    @Test
    void aResumeWithinTheLimitsIsSentAsItIs() throws Exception {
        Resume small = resume(classes(10_000, "c"));
        ResumeTrimmer.Fitted f = TRIMMER.fit(small);
        assertFalse(f.trimmed());
        assertSame(small, f.resume());
        assertEquals(small, CODEC.decode(f.body()));
        assertEquals(new String(CODEC.encode(small), java.nio.charset.StandardCharsets.UTF_8),
                new String(f.body(), java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void tightLimitsAreHonouredExactly() throws Exception {
        ResumeLimits limits = new ResumeLimits(500, 50, 20, 2048, 256);
        ResumeCodec codec = new ResumeCodec(limits);
        ResumeTrimmer trimmer = new ResumeTrimmer(codec);
        for (int n : new int[] {0, 1, 10, 49, 50, 51, 500}) {
            ResumeTrimmer.Fitted f = trimmer.fit(resume(classes(n, "k")));
            Resume decoded = codec.decode(f.body());
            assertTrue(f.body().length <= 500, n + ": " + f.body().length);
            // Whatever is kept is a top slice of the ranking.
            int kept = decoded.skills().size();
            assertEquals(classes(n, "k").entrySet().stream().filter(e -> e.getValue() >= n - kept)
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), decoded.skills(), "n=" + n);
            assertEquals(n, kept + f.droppedForCount() + f.droppedForSize() + f.droppedInvalid());
        }
    }
}
