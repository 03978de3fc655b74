package dev.adjoint.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/** A Maven pom read as plain XML: what the tests about the build and its consumers look up in it. */
public final class Pom {
    private final Element project;

    private Pom(Element project) {
        this.project = project;
    }

    public static Pom read(Path file) throws Exception {
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
        return new Pom(doc.getDocumentElement());
    }

    /** One {@code <dependency>} of the project's own list; {@code scope} is {@code compile} when not written. */
    public record Dependency(String groupId, String artifactId, String classifier, String scope, boolean optional,
            List<String> exclusions) {
        public String coordinates() {
            return groupId + ":" + artifactId + (classifier.isEmpty() ? "" : ":" + classifier);
        }
    }

    /** The text at a path of child names from {@code <project>}, such as {@code scm/url}; "" when absent. */
    public String text(String path) {
        Element e = project;
        for (String name : path.split("/")) {
            e = child(e, name);
            if (e == null) {
                return "";
            }
        }
        return e.getTextContent().strip();
    }

    public String property(String name) {
        return text("properties/" + name);
    }

    /** The version of a plugin in {@code <build><plugins>}; "" when it is not there. */
    public String pluginVersion(String artifactId) {
        for (Element plugin : children(child(child(project, "build"), "plugins"), "plugin")) {
            if (artifactId.equals(text(plugin, "artifactId"))) {
                return text(plugin, "version");
            }
        }
        return "";
    }

    public List<Dependency> dependencies() {
        List<Dependency> list = new ArrayList<>();
        for (Element d : children(child(project, "dependencies"), "dependency")) {
            List<String> exclusions = new ArrayList<>();
            for (Element x : children(child(d, "exclusions"), "exclusion")) {
                exclusions.add(text(x, "groupId") + ":" + text(x, "artifactId"));
            }
            String scope = text(d, "scope");
            list.add(new Dependency(text(d, "groupId"), text(d, "artifactId"), text(d, "classifier"),
                    scope.isEmpty() ? "compile" : scope, "true".equals(text(d, "optional")), exclusions));
        }
        return list;
    }

    private static Element child(Element parent, String name) {
        List<Element> found = children(parent, name);
        return found.isEmpty() ? null : found.getFirst();
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        if (parent != null) {
            for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e && e.getTagName().equals(name)) {
                    found.add(e);
                }
            }
        }
        return found;
    }

    private static String text(Element parent, String name) {
        Element e = child(parent, name);
        return e == null ? "" : e.getTextContent().strip();
    }
}
