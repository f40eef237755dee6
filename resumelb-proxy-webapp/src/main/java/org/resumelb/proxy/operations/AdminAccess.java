package org.resumelb.proxy.operations;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Who may read the status, dashboard and metrics and make admin calls: the
 * loopback addresses always, plus the addresses and CIDR blocks of
 * {@code adminAllow} ({@code 10.0.0.0/8, 192.0.2.7, 2001:db8::/32}), or everyone
 * with {@code *}. Addresses are literal IPs only: a host name would make every
 * check a DNS lookup. Immutable and thread-safe.
 */
public final class AdminAccess {

    private final List<Block> blocks;
    private final boolean everyone;
    private final String spec;

    private record Block(byte[] network, int prefix) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    private AdminAccess(List<Block> blocks, boolean everyone, String spec) {
        this.blocks = List.copyOf(blocks);
        this.everyone = everyone;
        this.spec = spec;
    }

    /** Loopback only. */
    public static final AdminAccess LOOPBACK = new AdminAccess(List.of(), false, "");

    /**
     * Parses {@code adminAllow}.
     *
     * @throws IllegalArgumentException naming the entry that is not an IP address, a CIDR block or *
     */
    public static AdminAccess parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return LOOPBACK;
        }
        List<Block> blocks = new ArrayList<>();
        boolean everyone = false;
        for (String raw : spec.split("[,\\s]+")) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            if (entry.equals("*")) {
                everyone = true;
                continue;
            }
            int slash = entry.indexOf('/');
            String host = slash < 0 ? entry : entry.substring(0, slash);
            byte[] address = literal(host, entry);
            int prefix = address.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(entry.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > address.length * 8) {
                    throw new IllegalArgumentException("'" + entry + "' has a bad prefix length");
                }
            }
            blocks.add(new Block(address, prefix));
        }
        return new AdminAccess(blocks, everyone, spec.trim());
    }

    private static byte[] literal(String host, String entry) {
        // InetAddress.getByName does no lookup for a literal; anything that is not one is refused first.
        if (!host.matches("[0-9.]+") && !(host.contains(":") && host.matches("[0-9A-Fa-f:.]+"))) {
            throw new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR block (host names are not accepted)");
        }
        try {
            return InetAddress.getByName(host).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + entry + "' is not an IP address or CIDR block");
        }
    }

    /** Whether a request from this remote address (a literal, as the servlet API gives it) may pass. */
    public boolean allows(String remoteAddress) {
        if (everyone) {
            return true;
        }
        if (remoteAddress == null || remoteAddress.isEmpty()) {
            return false;
        }
        String host = remoteAddress.startsWith("[") && remoteAddress.endsWith("]")
                ? remoteAddress.substring(1, remoteAddress.length() - 1) : remoteAddress;
        int zone = host.indexOf('%');
        if (zone >= 0) {
            host = host.substring(0, zone);
        }
        byte[] address;
        try {
            address = literal(host, host);
        } catch (IllegalArgumentException e) {
            return false;
        }
        try {
            if (InetAddress.getByAddress(address).isLoopbackAddress()) {
                return true;
            }
        } catch (UnknownHostException e) {
            return false;
        }
        if (address.length == 16 && isV4Mapped(address)) {
            byte[] v4 = java.util.Arrays.copyOfRange(address, 12, 16);
            if ((v4[0] & 0xff) == 127) {
                return true;
            }
            return matches(v4) || matches(address);
        }
        return matches(address);
    }

    private boolean matches(byte[] address) {
        for (Block b : blocks) {
            if (b.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff;
    }

    @Override
    public String toString() {
        return spec.isEmpty() ? "loopback only" : "loopback and " + spec;
    }
}
