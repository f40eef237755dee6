package org.resumelb.filter;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.resumelb.agent.net.AddressList;

/**
 * Whom the worker believes, decided once at start: the worker's side of the
 * trust boundary (docs/protocol.md, sections 9 and 10).
 *
 * <ul>
 *   <li><b>Load balancers</b> are the addresses the hosts of the {@code lb} URLs
 *       resolved to when the filter started, plus {@code trustedLbs}. Only their
 *       {@code X-ResumeLB-Class} header is honoured; anyone else's request is
 *       classified by the filter's own classifier, as if it had sent none. When
 *       an {@code lb} resolves to a loopback address, the load balancer is on this
 *       machine and every loopback address counts as it (it may reach the worker
 *       over {@code ::1} as well as {@code 127.0.0.1}); otherwise loopback is
 *       <em>not</em> a load balancer.</li>
 *   <li><b>Résumé readers</b> ({@code GET {prefix}/resume}) are loopback, the load
 *       balancers, and {@code resumeAllow}.</li>
 * </ul>
 *
 * <p>A host that does not resolve at start is logged by the caller
 * ({@link #unresolved()}) and trusted for nothing: name its addresses in
 * {@code trustedLbs}. Checks never look names up.
 *
 * <p>Immutable after construction but for the counters of refusals, which are
 * atomics; thread-safe.
 */
final class WorkerTrust {

    /** Looks a host name up, as {@link InetAddress#getAllByName}; replaceable in tests. */
    @FunctionalInterface
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private static final AddressList LOOPBACK = AddressList.parse("127.0.0.0/8, ::1/128");

    private final AddressList lbs;
    private final AddressList resumeAllow;
    private final Map<String, List<InetAddress>> resolved;
    private final Map<String, String> unresolved;
    private final boolean lbOnLoopback;
    private final AddressList trustedLbs;
    /** The last address found to be a load balancer: the usual case answered without parsing. */
    private volatile String lastLb;
    private final AtomicLong ignoredClassHeaders = new AtomicLong();
    private final AtomicLong refusedResumeReads = new AtomicLong();

    private WorkerTrust(AddressList lbs, AddressList trustedLbs, AddressList resumeAllow, Map<String, List<InetAddress>> resolved,
                        Map<String, String> unresolved, boolean lbOnLoopback) {
        this.lbs = lbs;
        this.trustedLbs = trustedLbs;
        this.resumeAllow = resumeAllow;
        this.resolved = resolved;
        this.unresolved = unresolved;
        this.lbOnLoopback = lbOnLoopback;
    }

    /** Resolves every {@code lb} host once (with {@link InetAddress#getAllByName}) and adds {@code trustedLbs}. */
    static WorkerTrust resolve(List<URI> lbUrls, AddressList trustedLbs, AddressList resumeAllow) {
        return resolve(lbUrls, trustedLbs, resumeAllow, InetAddress::getAllByName);
    }

    static WorkerTrust resolve(List<URI> lbUrls, AddressList trustedLbs, AddressList resumeAllow, Resolver resolver) {
        Map<String, List<InetAddress>> resolved = new LinkedHashMap<>();
        Map<String, String> unresolved = new LinkedHashMap<>();
        List<InetAddress> all = new ArrayList<>();
        boolean loopback = false;
        for (URI lb : lbUrls) {
            String host = lb.getHost();
            if (host == null || resolved.containsKey(host) || unresolved.containsKey(host)) {
                continue;
            }
            try {
                List<InetAddress> addresses = Arrays.asList(resolver.resolve(host));
                resolved.put(host, addresses);
                for (InetAddress a : addresses) {
                    all.add(a);
                    loopback |= AddressList.isLoopback(a);
                }
            } catch (UnknownHostException | SecurityException e) {
                unresolved.put(host, e.toString());
            }
        }
        return new WorkerTrust(trustedLbs.plus(all), trustedLbs, resumeAllow, Collections.unmodifiableMap(resolved),
                Collections.unmodifiableMap(unresolved), loopback);
    }

    /** Whether a request from this remote address (as the servlet API gives it) comes from a load balancer. */
    boolean isLoadBalancer(String remoteAddr) {
        if (remoteAddr == null) {
            return false;
        }
        if (remoteAddr.equals(lastLb)) {
            return true;
        }
        boolean lb = lbs.contains(remoteAddr) || (lbOnLoopback && LOOPBACK.contains(remoteAddr));
        if (lb) {
            lastLb = remoteAddr;
        }
        return lb;
    }

    /** Whether this remote address may read {@code GET {prefix}/resume}: loopback, a load balancer, or {@code resumeAllow}. */
    boolean mayReadResume(String remoteAddr) {
        return AddressList.isLoopback(AddressList.address(remoteAddr)) || isLoadBalancer(remoteAddr) || resumeAllow.contains(remoteAddr);
    }

    /** Counts a class header that was ignored; returns the count so far (1 the first time). */
    long ignoredClassHeader() {
        return ignoredClassHeaders.incrementAndGet();
    }

    /** Counts a refused résumé read; returns the count so far (1 the first time). */
    long refusedResumeRead() {
        return refusedResumeReads.incrementAndGet();
    }

    long ignoredClassHeaders() {
        return ignoredClassHeaders.get();
    }

    long refusedResumeReads() {
        return refusedResumeReads.get();
    }

    /** Each {@code lb} host that resolved, with its addresses. */
    Map<String, List<InetAddress>> resolved() {
        return resolved;
    }

    /** Each {@code lb} host that did not resolve, with why. */
    Map<String, String> unresolved() {
        return unresolved;
    }

    /** Whether an {@code lb} resolved to loopback, so that every loopback address counts as a load balancer. */
    boolean lbOnLoopback() {
        return lbOnLoopback;
    }

    /** One line for the start-up log: what was resolved and who is trusted for what ({@code resumePath}: where the résumé is). */
    String describe(String resumePath) {
        StringBuilder s = new StringBuilder("X-ResumeLB-Class is honoured only from the load balancers: ");
        List<String> parts = new ArrayList<>();
        resolved.forEach((host, addresses) -> parts.add(host + " -> "
                + String.join(", ", addresses.stream().map(InetAddress::getHostAddress).toList())));
        unresolved.forEach((host, why) -> parts.add(host + " -> NOT RESOLVED (" + why + ")"));
        if (!trustedLbs.isEmpty()) {
            parts.add("trustedLbs " + trustedLbs);
        }
        if (lbOnLoopback) {
            parts.add("loopback (a load balancer is on this machine)");
        }
        s.append(parts.isEmpty() ? "none (no lb, no trustedLbs: every request is classified by the filter)" : String.join("; ", parts));
        s.append(". GET ").append(resumePath).append(" answers loopback").append(parts.isEmpty() ? "" : ", those load balancers")
                .append(resumeAllow.isEmpty() ? "" : " and resumeAllow " + resumeAllow).append(", and 403 to anyone else.");
        return s.toString();
    }
}
