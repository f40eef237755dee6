package org.resumelb.proxy;

import java.util.Map;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;

import org.resumelb.agent.Log;
import org.resumelb.agent.config.Settings;

/**
 * Starts the {@link LoadBalancer} when the WAR's context starts, so that an
 * invalid setting fails the deployment itself, alike in every container: a
 * listener that throws stops the context in Jetty and in Tomcat, whereas a
 * servlet whose {@code init} throws leaves a Tomcat context running (every
 * request then gets a 500 with a stack trace). The settings are those of the
 * {@link ResumeProxyServlet} declared in {@code web.xml} (its init-params) and
 * of the context, read exactly as the servlet would read them.
 *
 * <p>The servlet takes the load balancer from here (a context attribute, set
 * before any servlet starts); a servlet deployed without this listener
 * (embedded, programmatic) builds its own. This listener owns what it starts
 * and closes it when the context stops.
 */
public final class ProxyStartup implements ServletContextListener {

    private static final Log LOG = Log.get(ProxyStartup.class);
    /** The context attribute holding the load balancer this listener started. */
    static final String ATTRIBUTE = LoadBalancer.class.getName();

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext context = event.getServletContext();
        Map<String, String> initParams = servletInitParameters(context);
        LoadBalancer lb;
        try {
            ProxySettings settings = ProxySettings.read(Settings.forServlet(initParams, context));
            settings.unknownSettings().forEach(warning -> LOG.warn("{}", warning));
            lb = LoadBalancer.start(settings);
        } catch (IllegalArgumentException e) {
            LOG.error("ResumeLB proxy not started: {}", e.getMessage());
            throw new IllegalStateException(e.getMessage(), e);
        }
        context.setAttribute(ATTRIBUTE, lb);
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        Object lb = event.getServletContext().getAttribute(ATTRIBUTE);
        if (lb instanceof LoadBalancer l) {
            event.getServletContext().removeAttribute(ATTRIBUTE);
            l.close();
        }
    }

    /** The init-params of the ResumeLB servlet in web.xml (empty when there is none). */
    private static Map<String, String> servletInitParameters(ServletContext context) {
        for (ServletRegistration r : context.getServletRegistrations().values()) {
            if (ResumeProxyServlet.class.getName().equals(r.getClassName())) {
                return Map.copyOf(r.getInitParameters());
            }
        }
        return Map.of();
    }
}
