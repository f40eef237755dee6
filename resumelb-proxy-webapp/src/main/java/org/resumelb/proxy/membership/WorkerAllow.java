package org.resumelb.proxy.membership;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.resumelb.agent.net.AddressList;

/**
 * Which worker URLs a pushed résumé may register (setting {@code workerAllow}):
 * a signed push names the URL the load balancer will send client requests to,
 * so the secret alone must not be enough to point the pool anywhere.
 *
 * <ul>
 * <li>Default (blank): any address but link-local ones ({@code 169.254.0.0/16},
 * {@code fe80::/10}: cloud metadata services live there).
 * <li>A list of IP addresses, CIDR blocks and host names, comma- or
 * space-separated ({@code 10.0.0.0/8, *.workers.internal, app1.example}): a
 * URL whose host is a listed name
 * ({@code *.suffix} matches any name ending in {@code .suffix}) is allowed as
 * named; otherwise every address its host resolves to must be in a listed block.
 * <li>{@code *}: every address, link-local ones included.
 * </ul>
 *
 * <p>Whatever the list, a URL that points back at this load balancer (the
 * address and port the push came in on, or a local address of this host with
 * that port) is refused: every request sent there would come back and be routed
 * again.
 *
 * <p>A URL's host name is resolved (the JVM caches answers, 30 s by default); a
 * name that does not resolve is refused unless the list names it. The check is
 * made when a push registers or renews a worker, not at each connection: a name
 * whose address changes later is checked again at its next push. Immutable and
 * thread-safe; {@link #check} may block on DNS, so it runs outside every lock.
 */
public final class WorkerAllow {

    /** The default: everything but link-local addresses. */
    public static final WorkerAllow DEFAULT = new WorkerAllow(AddressList.NONE, List.of(), false, "");

    private static final AddressList LINK_LOCAL = AddressList.parse("169.254.0.0/16, fe80::/10");

    private final AddressList addresses;
    /** Lower-case names; an entry starting with "." matches any name ending with it. */
    private final List<String> names;
    private final boolean everyone;
    private final String spec;

    private WorkerAllow(AddressList addresses, List<String> names, boolean everyone, String spec) {
        this.addresses = addresses;
        this.names = List.copyOf(names);
        this.everyone = everyone;
        this.spec = spec;
    }

    /**
     * Parses {@code workerAllow}; blank is {@link #DEFAULT}.
     *
     * @throws IllegalArgumentException naming an entry that is neither an IP address, a CIDR block, a host name nor *
     */
    public static WorkerAllow parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return DEFAULT;
        }
        List<String> literal = new ArrayList<>();
        List<String> names = new ArrayList<>();
        boolean everyone = false;
        for (String raw : spec.trim().split("[,\\s]+")) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            if (entry.equals("*")) {
                everyone = true;
            } else if (entry.contains(":") || entry.contains("/") || entry.matches("[0-9.]+")) {
                literal.add(entry);
            } else if (entry.matches("(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*")) {
                String name = entry.toLowerCase(Locale.ROOT);
                names.add(name.startsWith("*.") ? name.substring(1) : name);
            } else {
                throw new IllegalArgumentException("'" + entry + "' is not an IP address, a CIDR block or a host name");
            }
        }
        AddressList addresses = AddressList.parse(String.join(",", literal));
        return new WorkerAllow(addresses, names, everyone, spec.trim());
    }

    /**
     * Null when a worker at {@code url} may join; otherwise why not, in a few
     * words naming the address or name at fault (never the list).
     *
     * @param localAddress the address the push came in on (a literal), or null when unknown
     * @param localPort the port the push came in on, or -1 when unknown
     */
    public String check(URI url, String localAddress, int localPort) {
        String host = url.getHost();
        if (host == null) {
            return "it has no host";
        }
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        host = host.toLowerCase(Locale.ROOT);
        int port = url.getPort() >= 0 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
        InetAddress literal = AddressList.address(host);
        boolean named = literal == null && matchesName(host);
        InetAddress[] resolved;
        if (literal != null) {
            resolved = new InetAddress[] {literal};
        } else {
            try {
                resolved = InetAddress.getAllByName(host);
            } catch (UnknownHostException | SecurityException e) {
                // Listed by name: allowed as named (it cannot be this load balancer if it is no address at all).
                return named ? null : "its host " + host + " does not resolve from the load balancer";
            }
        }
        if (localPort >= 0 && port == localPort) {
            InetAddress local = AddressList.address(localAddress);
            for (InetAddress a : resolved) {
                if (isThisHost(a, local)) {
                    return "it is this load balancer (" + a.getHostAddress() + " port " + port + ")";
                }
            }
        }
        if (named || everyone) {
            return null;
        }
        for (InetAddress a : resolved) {
            if (addresses.isEmpty() ? LINK_LOCAL.contains(a) : !addresses.contains(a)) {
                return (addresses.isEmpty() ? "link-local address " : "address ") + a.getHostAddress()
                        + (literal == null ? " (of " + host + ")" : "") + " is not allowed";
            }
        }
        return null;
    }

    private boolean matchesName(String host) {
        for (String n : names) {
            if (n.startsWith(".") ? host.endsWith(n) && host.length() > n.length() : host.equals(n)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a connection to {@code a} reaches this host: the push's own local address, loopback, any-local, or an interface's. */
    static boolean isThisHost(InetAddress a, InetAddress pushedTo) {
        if (a.equals(pushedTo) || AddressList.isLoopback(a) || a.isAnyLocalAddress()) {
            return true;
        }
        if (a instanceof Inet6Address && a.getAddress().length == 16 && pushedTo != null && !(pushedTo instanceof Inet6Address)
                && AddressList.parse(pushedTo.getHostAddress()).contains(a)) {
            return true; // ::ffff:a.b.c.d of the IPv4 address the push came in on
        }
        try {
            return NetworkInterface.getByInetAddress(a) != null;
        } catch (SocketException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return spec.isEmpty() ? "any address but link-local ones" : spec;
    }
}
