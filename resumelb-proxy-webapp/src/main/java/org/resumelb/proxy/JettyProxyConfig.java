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

    private final ServletConfig config;
    private final Map<String, String> values;

    JettyProxyConfig(ServletConfig config, Map<String, String> values) {
        this.config = config;
        this.values = Map.copyOf(values);
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
