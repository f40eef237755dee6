package org.resumelb.proxy.operations;

import org.resumelb.proxy.membership.WorkerDirectory;
import org.resumelb.proxy.membership.ResumeReceiver;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.resumelb.agent.resume.Resume;
import org.resumelb.agent.resume.ResumeCodec;
import org.resumelb.agent.resume.ResumeLimits;
import org.resumelb.proxy.pool.PoolSettings;
import org.resumelb.proxy.pool.SwitchablePool;

class ProxyMetricsTest {

    final SwitchablePool pool = new SwitchablePool("resume", PoolSettings.DEFAULTS);
    final WorkerDirectory directory = new WorkerDirectory(pool, Duration.ofMinutes(1), Duration.ofMinutes(5), Clock.systemUTC());
    final ResumeReceiver receiver = new ResumeReceiver(new ResumeCodec(ResumeLimits.DEFAULT), null, true, directory);
    final ProxyMetrics metrics = new ProxyMetrics(pool, directory, receiver, () -> 0);

    @AfterEach
    void close() {
        directory.close();
    }

    String scrape() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.write(out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void seriesOfDepartedWorkersAreDroppedWhenWorkerUrlsChurnAndTotalsStay() throws Exception {
        directory.accept(new Resume("http://live:8080", "live#1", null, 1, System.currentTimeMillis(), false, Map.of()));
        metrics.request("http://live:8080", ProxyMetrics.Outcome.SUCCESS);
        for (int i = 0; i < ProxyMetrics.MAX_WORKER_SERIES - 1; i++) {
            metrics.request("http://gone-" + i + ":8080", ProxyMetrics.Outcome.WORKER_FAILURE);
        }
        assertTrue(scrape().contains("worker=\"http://gone-0:8080\""));
        metrics.request("http://new:8080", ProxyMetrics.Outcome.SUCCESS); // the 1025th URL: departed ones go

        String text = scrape();
        assertFalse(text.contains("gone-"), "departed workers' series dropped");
        assertTrue(text.contains("resumelb_requests_total{outcome=\"success\",worker=\"http://live:8080\"} 1.0"), text);
        assertTrue(text.contains("resumelb_requests_total{outcome=\"success\",worker=\"http://new:8080\"} 1.0"), text);
        assertEquals(1, metrics.requests("http://live:8080"));
        assertEquals(ProxyMetrics.MAX_WORKER_SERIES + 1, metrics.requestsTotal(), "the total keeps every request");
    }
}
