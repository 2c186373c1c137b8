// Logs users in through Apache Shiro itself: an IniRealm whose [users] entries are the given
// credentials, checked by PasswordMatcher (the matcher charts/zeppelin's shiro.ini names).
// Input lines on stdin: user <TAB> password <TAB> stored credential. Prints, per line,
// "<user> ok" or "<user> refused".
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

import org.apache.shiro.authc.AuthenticationException;
import org.apache.shiro.authc.UsernamePasswordToken;
import org.apache.shiro.authc.credential.PasswordMatcher;
import org.apache.shiro.config.Ini;
import org.apache.shiro.mgt.DefaultSecurityManager;
import org.apache.shiro.realm.text.IniRealm;
import org.apache.shiro.subject.Subject;

public class ShiroLogin {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] parts = line.split("\t", 3);
            Ini ini = new Ini();
            ini.setSectionProperty("users", parts[0], parts[2] + ", admin");
            IniRealm realm = new IniRealm(ini);
            realm.setCredentialsMatcher(new PasswordMatcher());
            DefaultSecurityManager manager = new DefaultSecurityManager(realm);
            Subject subject = new Subject.Builder(manager).buildSubject();
            try {
                subject.login(new UsernamePasswordToken(parts[0], parts[1]));
                System.out.println(parts[0] + " ok");
            } catch (AuthenticationException e) {
                System.out.println(parts[0] + " refused");
            }
        }
    }
}
