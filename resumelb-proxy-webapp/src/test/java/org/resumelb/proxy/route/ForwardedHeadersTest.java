package org.resumelb.proxy.route;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.resumelb.proxy.operations.TrustedProxies;

/** What a worker learns of the client: from the connection, and from the client's own headers only through trusted proxies. */
class ForwardedHeadersTest {

    static TrustedProxies.Headers headers(String... nameValue) {
        return name -> {
            List<String> values = new ArrayList<>();
            for (int i = 0; i < nameValue.length; i += 2) {
                if (nameValue[i].equalsIgnoreCase(name)) {
                    values.add(nameValue[i + 1]);
                }
            }
            return Collections.enumeration(values);
        };
    }

    /** Everything a client may claim about the chain. */
    static final TrustedProxies.Headers SPOOFED = headers("X-Forwarded-For", "127.0.0.1", "X-Forwarded-For", "10.0.0.1",
            "Forwarded", "for=127.0.0.1;proto=https", "X-Real-IP", "127.0.0.1", "X-Forwarded-Proto", "https",
            "X-Forwarded-Host", "admin.internal", "X-Forwarded-Port", "443");

    final ForwardedHeaders untrusting = new ForwardedHeaders(TrustedProxies.NONE);
    final ForwardedHeaders trusting = new ForwardedHeaders(TrustedProxies.parse("10.0.0.0/8"));

    @Test
    void aClientsOwnForwardingHeadersNeverReachAWorker() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("X-Forwarded-For", "198.51.100.7");
        expected.put("X-Forwarded-Proto", "http");
        expected.put("X-Forwarded-Host", "news.example");
        expected.put("X-Forwarded-Port", "8080");
        expected.put("Forwarded", "for=198.51.100.7;host=news.example;proto=http");
        assertEquals(expected, untrusting.decide("198.51.100.7", "http", "news.example", 8080, SPOOFED));
        assertEquals(expected, trusting.decide("198.51.100.7", "http", "news.example", 8080, SPOOFED), "trusted proxies only");
        assertEquals(expected, untrusting.decide("198.51.100.7", "http", "news.example", 8080, TrustedProxies.Headers.NONE));
    }

    @Test
    void throughATrustedProxyTheChainIsKeptAndThisHopAppended() {
        Map<String, String> h = trusting.decide("10.0.0.5", "http", "news.example", 8080, headers(
                "X-Forwarded-For", "6.6.6.6, 203.0.113.9", "Forwarded", "for=203.0.113.9;proto=https", "X-Forwarded-Proto", "https",
                "X-Forwarded-Host", "www.news.example", "X-Forwarded-Port", "443", "X-Real-IP", "203.0.113.9"));
        assertEquals("6.6.6.6, 203.0.113.9, 10.0.0.5", h.get("X-Forwarded-For"));
        assertEquals("for=203.0.113.9;proto=https, for=10.0.0.5;host=news.example;proto=http", h.get("Forwarded"));
        assertEquals("https", h.get("X-Forwarded-Proto"), "as the first proxy saw it");
        assertEquals("www.news.example", h.get("X-Forwarded-Host"));
        assertEquals("443", h.get("X-Forwarded-Port"));
        assertEquals("203.0.113.9", h.get("X-Real-IP"));

        Map<String, String> bare = trusting.decide("10.0.0.5", "https", "news.example", 8443, headers("X-Forwarded-For", "203.0.113.9",
                "X-Forwarded-For", "10.0.0.4"));
        assertEquals("203.0.113.9, 10.0.0.4, 10.0.0.5", bare.get("X-Forwarded-For"), "several fields are one chain");
        assertEquals("https", bare.get("X-Forwarded-Proto"), "missing: set from the connection");
        assertEquals("news.example", bare.get("X-Forwarded-Host"));
        assertEquals("8443", bare.get("X-Forwarded-Port"));
        assertEquals("for=10.0.0.5;host=news.example;proto=https", bare.get("Forwarded"));
        assertEquals(null, bare.get("X-Real-IP"));
    }

    @Test
    void rfc7239ValuesAreQuotedWhereTheyMustBe() {
        Map<String, String> h = untrusting.decide("[2001:db8::7]", "http", "news.example:8080", 8080, TrustedProxies.Headers.NONE);
        assertEquals("2001:db8::7", h.get("X-Forwarded-For"));
        assertEquals("for=\"[2001:db8::7]\";host=\"news.example:8080\";proto=http", h.get("Forwarded"));
        assertEquals("news.example:8080", h.get("X-Forwarded-Host"));
        Map<String, String> none = untrusting.decide(null, "http", null, -1, TrustedProxies.Headers.NONE);
        assertEquals("unknown", none.get("X-Forwarded-For"));
        assertEquals("for=unknown;proto=http", none.get("Forwarded"));
        assertEquals(null, none.get("X-Forwarded-Host"));
        assertEquals(null, none.get("X-Forwarded-Port"));
        assertEquals("\"a\\\"b\\\\c\"", ForwardedHeaders.value("a\"b\\c"));
    }

    @Test
    void writeRemovesEveryForwardingHeaderThenPutsTheDecidedOnes() {
        Map<String, String> request = new LinkedHashMap<>();
        for (String name : ForwardedHeaders.NAMES) {
            request.put(name, "from the client");
        }
        request.put("Via", "1.1 jetty");
        request.put("Host", "news.example");
        untrusting.write("198.51.100.7", "http", "news.example", 80, SPOOFED, request::remove, request::put);
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("Via", "1.1 jetty");
        expected.put("Host", "news.example");
        expected.put("X-Forwarded-For", "198.51.100.7");
        expected.put("X-Forwarded-Proto", "http");
        expected.put("X-Forwarded-Host", "news.example");
        expected.put("X-Forwarded-Port", "80");
        expected.put("Forwarded", "for=198.51.100.7;host=news.example;proto=http");
        assertEquals(expected, request);
    }
}
