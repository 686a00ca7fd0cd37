using System.Net;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Security;
using MimeKit;

namespace CompliancePortal.Tests.Infrastructure;

/// <summary>
/// A real IMAP server for the journal mailbox tests: Debian's dovecot (tests/run.sh installs
/// dovecot-imapd) with its own configuration, mail and state in a temporary folder, one user,
/// plain IMAP on a loopback port of its own.
/// </summary>
public sealed class DovecotServer : IAsyncDisposable
{
    public const string UserName = "journal";
    public const string Password = "journal-pass-2026";

    private readonly string _folder;
    private readonly string _config;

    public int Port { get; }

    private DovecotServer(string folder, string config, int port) => (_folder, _config, Port) = (folder, config, port);

    public static async Task<DovecotServer> StartAsync()
    {
        var folder = Directory.CreateTempSubdirectory("cp-dovecot-").FullName;
        var root = Environment.UserName == "root";
        // As root dovecot runs its parts as its own users, which must reach the mail folder.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        foreach (var sub in new[] { "run", "state", "home" }) Directory.CreateDirectory(Path.Combine(folder, sub));
        var (internalUser, loginUser, mailUser) = root ? ("dovecot", "dovenull", "dovecot") : (Environment.UserName, Environment.UserName, Environment.UserName);
        if (root)
        {
            var (exit, output) = await ExternalProgram.RunAsync(folder, "chown", [$"{mailUser}:", Path.Combine(folder, "home")]);
            Assert.True(exit == 0, output);
        }
        await File.WriteAllTextAsync(Path.Combine(folder, "users"), $"{UserName}:{{PLAIN}}{Password}\n");
        var port = FreePort();
        var config = Path.Combine(folder, "dovecot.conf");
        await File.WriteAllTextAsync(config, $$"""
            protocols = imap
            listen = 127.0.0.1
            base_dir = {{folder}}/run
            state_dir = {{folder}}/state
            log_path = {{folder}}/dovecot.log
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            first_valid_uid = 1
            default_internal_user = {{internalUser}}
            default_login_user = {{loginUser}}
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{folder}}/users
            }
            userdb {
              driver = static
              args = uid={{mailUser}} gid={{mailUser}} home={{folder}}/home/%u
            }
            mail_location = maildir:~/Maildir
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{port}}
              }
              inet_listener imaps {
                port = 0
              }
            }
            service stats {
              unix_listener stats-reader {
                mode = 0666
              }
              unix_listener stats-writer {
                mode = 0666
              }
            }
            """);
        // dovecot forks into the background: its output goes to its log, not to pipes it would hold open.
        var (started, log) = await ExternalProgram.RunAsync(folder, "/bin/sh", ["-c", "exec /usr/sbin/dovecot -c \"$0\" </dev/null >/dev/null 2>&1", config]);
        Assert.True(started == 0, log);
        var server = new DovecotServer(folder, config, port);
        // dovecot forks and returns at once: wait until it answers.
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = await server.ConnectAsync();
                return server;
            }
            catch (Exception ex) when (ex is SocketException or IOException or ImapProtocolException or AuthenticationException)
            {
                await Task.Delay(100);
            }
        }
        throw new InvalidOperationException("dovecot did not answer: " + await File.ReadAllTextAsync(Path.Combine(folder, "dovecot.log")));
    }

    /// <summary>A signed-in client, as the journal mailbox's owner.</summary>
    public async Task<ImapClient> ConnectAsync()
    {
        var client = new ImapClient();
        await client.ConnectAsync("127.0.0.1", Port, SecureSocketOptions.None);
        await client.AuthenticateAsync(UserName, Password);
        return client;
    }

    /// <summary>Delivers <paramref name="raw"/> to the inbox (as the mail server's journaling would) and returns its UID.</summary>
    public async Task<uint> DeliverAsync(byte[] raw)
    {
        using var client = await ConnectAsync();
        using var stream = new MemoryStream(raw);
        var uid = await client.Inbox.AppendAsync(new AppendRequest(MimeMessage.Load(stream)));
        await client.DisconnectAsync(true);
        return uid?.Id ?? throw new InvalidOperationException("dovecot gave no UID (UIDPLUS)");
    }

    /// <summary>A message's raw bytes with CRLF line ends, as mail servers hold and IMAP hands them out.</summary>
    public static byte[] Raw(MimeMessage message)
    {
        using var output = new MemoryStream();
        message.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, output);
        return output.ToArray();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await ExternalProgram.RunAsync(_folder, "/bin/sh", ["-c", "exec /usr/sbin/dovecot -c \"$0\" stop </dev/null >/dev/null 2>&1", _config]);
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // dovecot may still be closing its files: the folder is in /tmp.
        }
    }
}
