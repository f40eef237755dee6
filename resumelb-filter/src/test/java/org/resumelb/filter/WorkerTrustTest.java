package org.resumelb.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.resumelb.agent.config.ConfigException;
import org.resumelb.agent.config.Settings;
import org.resumelb.agent.net.AddressList;

/** Whom the worker believes, decided at start from the {@code lb} hosts, {@code trustedLbs} and {@code resumeAllow}. */
class WorkerTrustTest {

    static InetAddress ip(String literal) {
        return AddressList.address(literal);
    }

    /** A DNS of its own: lb1 has two addresses, lb2 does not resolve, local is loopback. */
    static final class FakeDns implements WorkerTrust.Resolver {
        final List<String> asked = new ArrayList<>();

        @Override
        public InetAddress[] resolve(String host) throws UnknownHostException {
            asked.add(host);
            return switch (host) {
                case "lb1.example" -> new InetAddress[] {ip("10.0.0.1"), ip("10.0.0.2")};
                case "local.example" -> new InetAddress[] {ip("127.0.0.1")};
                case "10.7.7.7" -> new InetAddress[] {ip("10.7.7.7")};
                default -> throw new UnknownHostException(host + ": Name or service not known");
            };
        }
    }

    static String line(WorkerTrust t) {
        return t.describe("/_resumelb/resume");
    }

    static List<URI> urls(String... urls) {
        return List.of(urls).stream().map(URI::create).toList();
    }

    @Test
    void loadBalancersAreTheResolvedLbHostsAndTrustedLbs() {
        FakeDns dns = new FakeDns();
        WorkerTrust t = WorkerTrust.resolve(urls("http://lb1.example:8080", "https://lb1.example", "http://lb2.example:8080"),
                AddressList.parse("192.168.0.0/24"), AddressList.NONE, dns);
        System.out.println("start-up line: " + line(t));
        assertEquals(List.of("lb1.example", "lb2.example"), dns.asked, "each host resolved once");
        for (String lb : List.of("10.0.0.1", "10.0.0.2", "192.168.0.77", "::ffff:10.0.0.1", "[::ffff:10.0.0.2]")) {
            assertTrue(t.isLoadBalancer(lb), lb);
            assertTrue(t.isLoadBalancer(lb), lb + " (second time, from the remembered address)");
        }
        for (String other : List.of("10.0.0.3", "192.168.1.1", "127.0.0.1", "::1", "[::1]", "0:0:0:0:0:0:0:1", "", "unknown")) {
            assertFalse(t.isLoadBalancer(other), other);
        }
        assertFalse(t.isLoadBalancer(null));
        assertFalse(t.lbOnLoopback());
        assertEquals(List.of(ip("10.0.0.1"), ip("10.0.0.2")), t.resolved().get("lb1.example"));
        assertTrue(t.unresolved().get("lb2.example").contains("Name or service not known"));
        assertTrue(line(t).contains("lb1.example -> 10.0.0.1, 10.0.0.2") && line(t).contains("lb2.example -> NOT RESOLVED")
                && line(t).contains("trustedLbs 192.168.0.0/24") && line(t).endsWith("GET /_resumelb/resume answers loopback,"
                + " those load balancers, and 403 to anyone else."), line(t));
    }

    @Test
    void aLoadBalancerOnLoopbackMakesEveryLoopbackAddressOne() {
        WorkerTrust t = WorkerTrust.resolve(urls("http://local.example:8080"), AddressList.NONE, AddressList.NONE, new FakeDns());
        assertTrue(t.lbOnLoopback());
        for (String loopback : List.of("127.0.0.1", "127.0.1.1", "::1", "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1")) {
            assertTrue(t.isLoadBalancer(loopback), loopback);
        }
        assertFalse(t.isLoadBalancer("10.0.0.1"));
        assertTrue(line(t).contains("loopback (a load balancer is on this machine)"), line(t));
    }

    @Test
    void withoutLbNorTrustedLbsNobodyIsALoadBalancerNotEvenLoopback() {
        WorkerTrust t = WorkerTrust.resolve(List.of(), AddressList.NONE, AddressList.NONE, new FakeDns());
        assertFalse(t.isLoadBalancer("127.0.0.1"));
        assertFalse(t.isLoadBalancer("10.0.0.1"));
        assertTrue(line(t).contains("none"), line(t));
        // ...but the résumé still answers loopback.
        assertTrue(t.mayReadResume("127.0.0.1"));
        assertTrue(t.mayReadResume("[::1]"));
        assertFalse(t.mayReadResume("10.0.0.1"));
    }

    @Test
    void theResumeAnswersLoopbackTheLoadBalancersAndResumeAllow() {
        WorkerTrust t = WorkerTrust.resolve(urls("http://10.7.7.7:8080"), AddressList.parse("10.8.0.0/16"),
                AddressList.parse("203.0.113.0/24, 2001:db8::/32"), new FakeDns());
        for (String allowed : List.of("127.0.0.1", "127.9.9.9", "::1", "10.7.7.7", "10.8.3.4", "203.0.113.50", "2001:db8::5")) {
            assertTrue(t.mayReadResume(allowed), allowed);
        }
        for (String refused : List.of("10.7.7.8", "198.51.100.1", "2001:db9::1", "", "garbage")) {
            assertFalse(t.mayReadResume(refused), refused);
        }
        assertFalse(t.isLoadBalancer("203.0.113.50"), "resumeAllow lets an address read, not speak for the load balancer");
        assertFalse(t.isLoadBalancer("127.0.0.1"), "the lb is not on loopback: loopback reads the résumé but is no load balancer");
        WorkerTrust everyone = WorkerTrust.resolve(List.of(), AddressList.NONE, AddressList.parse("*"), new FakeDns());
        assertTrue(everyone.mayReadResume("198.51.100.1"));
        assertFalse(everyone.isLoadBalancer("198.51.100.1"));
    }

    @Test
    void refusalsAreCountedSoThatTheFilterLogsTheFirstOnly() {
        WorkerTrust t = WorkerTrust.resolve(List.of(), AddressList.NONE, AddressList.NONE, new FakeDns());
        assertEquals(1, t.ignoredClassHeader());
        assertEquals(2, t.ignoredClassHeader());
        assertEquals(1, t.refusedResumeRead());
        assertEquals(2, t.ignoredClassHeaders());
        assertEquals(1, t.refusedResumeReads());
    }

    static WorkerSettings read(Map<String, String> params) {
        return WorkerSettings.read(new Settings(List.of(Settings.initParams(params))), "/app");
    }

    @Test
    void theSettingsAreSecureByDefaultAndValidated() {
        WorkerSettings defaults = read(Map.of());
        assertEquals("/_resumelb", defaults.prefix());
        assertTrue(defaults.trustedLbs().isEmpty());
        assertTrue(defaults.resumeAllow().isEmpty());
        WorkerSettings set = read(Map.of("prefix", "/ops/_lb-1.x~y", "trustedLbs", "10.0.0.7, 10.1.0.0/16 2001:db8::/32",
                "resumeAllow", "*"));
        assertEquals("/ops/_lb-1.x~y", set.prefix());
        assertTrue(set.trustedLbs().contains("10.1.200.3") && set.trustedLbs().contains("2001:db8::1"));
        assertTrue(set.resumeAllow().everyone());
        assertEquals("10.0.0.7, 10.1.0.0/16 2001:db8::/32", set.inForce().get("trustedLbs"));
        for (String bad : List.of("_resumelb", "/", "/a/", "/a//b", "/a b", "/a?b", "/ä")) {
            ConfigException e = assertThrows(ConfigException.class, () -> read(Map.of("prefix", bad)), bad);
            assertEquals("prefix", e.setting());
            assertTrue(e.getMessage().contains("a path like /_resumelb"), e.getMessage());
        }
        ConfigException host = assertThrows(ConfigException.class, () -> read(Map.of("trustedLbs", "10.0.0.1, lb.example.com")));
        assertEquals("trustedLbs", host.setting());
        assertTrue(host.getMessage().contains("host names are not accepted"), host.getMessage());
        ConfigException cidr = assertThrows(ConfigException.class, () -> read(Map.of("resumeAllow", "10.0.0.0/33")));
        assertEquals("resumeAllow", cidr.setting());
        assertTrue(cidr.getMessage().contains("bad prefix length") && cidr.getMessage().contains("loopback and the load balancers"),
                cidr.getMessage());
    }
}
