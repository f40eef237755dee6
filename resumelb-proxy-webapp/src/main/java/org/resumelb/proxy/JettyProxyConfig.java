package org.resumelb.proxy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;

import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContext;

/**
 * The servlet config Jetty's {@code ProxyServlet} reads its own init-params
 * from ({@code timeout}, {@code maxThreads}…): ours, validated by
 * {@link org.resumelb.proxy.ProxySettings} (so a bad value names the
 * setting, whatever source it came from), over the container's. Immutable.
 */
final class JettyProxyConfig implements ServletConfig {

    private static final String SERVER_EXECUTOR_ATTRIBUTE = "org.eclipse.jetty.server.Executor";
    private static final int FALLBACK_MAX_THREADS = 256;

    private final ServletConfig config;
    private final Map<String, String> values;

    JettyProxyConfig(ServletConfig config, Map<String, String> values) {
        this.config = config;
        this.values = Map.copyOf(values);
    }

    /**
     * The config for the proxy's settings. Outside Jetty (Tomcat, say) there is no
     * server executor to share, and Jetty's ProxyServlet would fail with "No server
     * executor for proxy": the proxy then gets its own pool ({@link #ownExecutor}).
     */
    static JettyProxyConfig of(ServletConfig config, org.resumelb.proxy.ProxySettings settings) {
        Map<String, String> jetty = new java.util.HashMap<>(settings.jettyParameters());
        if (!jetty.containsKey("maxThreads") && config.getServletContext().getAttribute(SERVER_EXECUTOR_ATTRIBUTE) == null) {
            jetty.put("maxThreads", Integer.toString(FALLBACK_MAX_THREADS));
        }
        return new JettyProxyConfig(config, jetty);
    }

    /** Whether the proxy's HTTP client runs on a pool of its own (to stop with the servlet). */
    boolean ownExecutor() {
        return values.containsKey("maxThreads");
    }

    @Override
    public String getServletName() {
        return config.getServletName();
    }

    @Override
    public ServletContext getServletContext() {
        return config.getServletContext();
    }

    @Override
    public String getInitParameter(String name) {
        String v = values.get(name);
        return v != null ? v : config.getInitParameter(name);
    }

    @Override
    public Enumeration<String> getInitParameterNames() {
        List<String> names = new ArrayList<>(values.keySet());
        for (Enumeration<String> e = config.getInitParameterNames(); e.hasMoreElements(); ) {
            String n = e.nextElement();
            if (!values.containsKey(n)) {
                names.add(n);
            }
        }
        return Collections.enumeration(names);
    }
}
