using System.Collections;
using ContainerLogger.Config;
using ContainerLogger.Drivers;
using ContainerLogger.Templates;

namespace ContainerLogger.Tests;

public class TemplateTests
{
    private const string ContainerId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private const string ImageId = "sha256:582c496ccf79d8aa6f8203a79d32aaf7ffd8b13362c60a701a2f9ac64886c93d";

    private static ContainerInfo Info(string created = "2024-01-02T03:00:00.987654321Z") => new()
    {
        ContainerId = ContainerId,
        ContainerName = "/web-1",
        ContainerCreated = created,
        ImageId = ImageId,
        ImageName = "nginx:latest",
        Entrypoint = ["/docker-entrypoint.sh"],
        Cmd = ["nginx", "-g", "daemon off;"],
        Labels = new Dictionary<string, string> { ["tier"] = "web", ["com.example.team"] = "payments" },
        Env = ["PATH=/usr/bin", "MODE=prod"],
        Config = new Dictionary<string, string> { ["tag"] = "x" },
        Hostname = "dockerhost",
    };

    private static string Render(string template) => TagTemplate.Parse(template).Render(Info());

    private static string ParseError(string template) => Assert.Throws<FormatException>(() => TagTemplate.Parse(template))!.Message;

    private static string RenderError(string template)
    {
        var parsed = TagTemplate.Parse(template);
        return Assert.Throws<FormatException>(() => parsed.Render(Info()))!.Message;
    }

    // Placeholders: Docker's Info methods, then its fields.
    [TestCase("{{.ID}}", "0123456789ab")]
    [TestCase("{{.FullID}}", ContainerId)]
    [TestCase("{{.Name}}", "web-1")]
    [TestCase("{{.ImageID}}", "582c496ccf79")]
    [TestCase("{{.ImageFullID}}", ImageId)]
    [TestCase("{{.ImageName}}", "nginx:latest")]
    [TestCase("{{.DaemonName}}", "docker")]
    [TestCase("{{.Command}}", "/docker-entrypoint.sh nginx -g daemon off;")]
    [TestCase("{{.Hostname}}", "dockerhost")]
    [TestCase("{{.ContainerID}}", ContainerId)]
    [TestCase("{{.ContainerName}}", "/web-1")]
    [TestCase("{{.ContainerImageID}}", ImageId)]
    [TestCase("{{.ContainerImageName}}", "nginx:latest")]
    [TestCase("{{.ContainerEntrypoint}}", "/docker-entrypoint.sh")]
    [TestCase("{{.ContainerArgs}}", "[nginx -g daemon off;]")]
    [TestCase("{{.ContainerEnv}}", "[PATH=/usr/bin MODE=prod]")]
    [TestCase("{{.ContainerLabels}}", "map[com.example.team:payments tier:web]")]
    [TestCase("{{.ContainerLabels.tier}}", "web")]
    [TestCase("{{.ContainerLabels.missing}}", "<no value>")]
    [TestCase("{{.Config.tag}}", "x")]
    [TestCase("{{.LogPath}}", "")]
    [TestCase("{{.ContainerCreated}}", "2024-01-02 03:00:00.987654321 +0000 UTC")]
    [TestCase("{{$.Name}}", "web-1")]
    [TestCase("plain-tag", "plain-tag")]
    [TestCase("", "")]
    [TestCase("{{.ImageName}}/{{.Name}}/{{.ID}}", "nginx:latest/web-1/0123456789ab")]
    [TestCase("a}}b{", "a}}b{")]
    public void Placeholders(string template, string expected) => Assert.That(Render(template), Is.EqualTo(expected));

    [Test]
    public void DotPrintsTheInfoStructWithoutAmpersandButPrintAddsIt()
    {
        const string fields = "map[tag:x] " + ContainerId + " /web-1 /docker-entrypoint.sh [nginx -g daemon off;] " + ImageId
            + " nginx:latest 2024-01-02 03:00:00.987654321 +0000 UTC [PATH=/usr/bin MODE=prod] map[com.example.team:payments tier:web]  docker";
        Assert.That(Render("{{.}}"), Is.EqualTo("{" + fields + "}"));
        Assert.That(Render("{{print .}}"), Is.EqualTo("&{" + fields + "}"));
    }

    [TestCase("", "0001-01-01 00:00:00 +0000 UTC", "\"0001-01-01T00:00:00Z\"")]
    [TestCase("2024-01-02T05:00:00.5+02:00", "2024-01-02 05:00:00.5 +0200 +0200", "\"2024-01-02T05:00:00.5+02:00\"")]
    [TestCase("2024-01-02T03:00:00.120000000Z", "2024-01-02 03:00:00.12 +0000 UTC", "\"2024-01-02T03:00:00.12Z\"")]
    [TestCase("2024-01-02T03:00:00+00:00", "2024-01-02 03:00:00 +0000 UTC", "\"2024-01-02T03:00:00Z\"")]
    public void CreatedTimePrintsLikeGoTime(string created, string printed, string json)
    {
        var template = TagTemplate.Parse("{{.ContainerCreated}}|{{json .ContainerCreated}}");
        Assert.That(template.Render(Info(created)), Is.EqualTo(printed + "|" + json));
    }

    [TestCase("{{.Name | upper}}", "WEB-1")]
    [TestCase("{{upper \"ıstanbul straße ſ\"}}", "ISTANBUL STRAßE S")]
    [TestCase("{{lower \"WEB-1 İÉ\"}}", "web-1 ié")]
    [TestCase("{{title \"hello wORLD-foo_bar 3am élan\"}}", "Hello WORLD-Foo_bar 3am Élan")]
    [TestCase("{{title \"ǆemal\"}}", "ǅemal")]
    [TestCase("{{json .Name}}", "\"web-1\"")]
    [TestCase("{{json \"<a&b>\"}}", "\"<a&b>\"")]
    [TestCase("{{json \"q\\\"\\\\\\t\\n\\b\\x01\\u2028é\"}}", "\"q\\\"\\\\\\t\\n\\b\\u0001\\u2028é\"")]
    [TestCase("{{json .ContainerLabels}}", "{\"com.example.team\":\"payments\",\"tier\":\"web\"}")]
    [TestCase("{{json .ContainerArgs}}", "[\"nginx\",\"-g\",\"daemon off;\"]")]
    [TestCase("{{json 42}} {{json true}} {{json nil}}", "42 true null")]
    [TestCase("{{split .Name \"-\"}}", "[web 1]")]
    [TestCase("{{split \"héllo\" \"\"}}", "[h é l l o]")]
    [TestCase("{{len (split \"\" \"-\")}} {{len (split \"\" \"\")}}", "1 0")]
    [TestCase("{{join (split .Name \"-\") \"_\"}}", "web_1")]
    [TestCase("{{join .ContainerArgs \",\"}}", "nginx,-g,daemon off;")]
    [TestCase("{{len .Name}} {{len \"héllo\"}} {{len .ContainerArgs}} {{len .ContainerLabels}}", "5 6 3 2")]
    [TestCase("{{index .ContainerArgs 2}}", "daemon off;")]
    [TestCase("{{index .ContainerLabels \"com.example.team\"}}", "payments")]
    [TestCase("[{{index .ContainerLabels \"missing\"}}]", "[]")]
    [TestCase("{{index \"abc\" 1}}", "98")]
    [TestCase("{{index .}}", "{map[tag:x] " + ContainerId + " /web-1 /docker-entrypoint.sh [nginx -g daemon off;] " + ImageId
        + " nginx:latest 2024-01-02 03:00:00.987654321 +0000 UTC [PATH=/usr/bin MODE=prod] map[com.example.team:payments tier:web]  docker}")]
    [TestCase("{{slice .Name 1 3}}|{{slice .Name 2}}|{{slice .Name}}", "eb|b-1|web-1")]
    [TestCase("{{slice .ContainerArgs 1}}|{{slice .ContainerArgs 0 1 2}}", "[-g daemon off;]|[nginx]")]
    [TestCase("{{printf \"%s-%d\" .Name 42}}", "web-1-42")]
    [TestCase("{{printf \"%v|%q|%5s|%-5s|%05d|%x|%X|%+d|%.2s|%t|%c|%%\" 7 .Name \"ab\" \"ab\" -42 255 \"hi\" 3 \"héllo\" true 233}}",
        "7|\"web-1\"|   ab|ab   |-0042|ff|6869|+3|hé|true|é|%")]
    [TestCase("{{printf \"%q\" .ContainerArgs}}", "[\"nginx\" \"-g\" \"daemon off;\"]")]
    [TestCase("{{printf \"%q\" \"a\\tb\\u00a0\"}}", "\"a\\tb\\u00a0\"")]
    [TestCase("{{printf \"%d\" .Name}}", "%!d(string=web-1)")]
    [TestCase("{{printf \"%s|%d\" 1}}", "%!s(int=1)|%!d(MISSING)")]
    [TestCase("{{printf \"x\" 1 \"y\"}}", "x%!(EXTRA int=1, string=y)")]
    [TestCase("{{print 1 2 \"a\" 3 \"b\"}}", "1 2a3b")]
    [TestCase("{{println \"a\" 1}}", "a 1\n")]
    [TestCase("{{eq .Name \"web-1\"}} {{eq .Name \"x\" \"web-1\"}} {{eq 1 2}} {{eq (index \"a\" 0) 97}}", "true true false true")]
    [TestCase("{{ne 1 2}} {{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1 2}}", "true true true true false")]
    [TestCase("{{eq .ContainerLabels.missing \"x\"}}", "false")]
    [TestCase("{{and .Name \"x\"}}|{{and \"\" \"x\"}}|{{or \"\" \"y\"}}|{{or .Name \"y\"}}|{{not .Name}}|{{not 0}}", "x||y|web-1|false|true")]
    [TestCase("{{and \"\" (index .ContainerArgs 99)}}|{{or \"x\" (index .ContainerArgs 99)}}", "|x")]
    public void Functions(string template, string expected) => Assert.That(Render(template), Is.EqualTo(expected));

    // Docker's pad: spaces around a non-empty string only; a negative count is strings.Repeat's panic.
    [TestCase("{{pad .Name 2 3}}", "  web-1   ")]
    [TestCase("{{pad .Name 0 0}}", "web-1")]
    [TestCase("{{pad \"\" 2 3}}", "")]
    [TestCase("{{pad \"\" -1 -1}}", "")]
    [TestCase("{{pad \"é\" 1 1}}", " é ")]
    public void Pad(string template, string expected) => Assert.That(Render(template), Is.EqualTo(expected));

    [Test]
    public void PadNegativeCountIsAnError() =>
        Assert.That(RenderError("{{pad .Name -1 0}}"), Is.EqualTo("line 1, column 3: error calling pad: strings: negative Repeat count"));

    // Docker's truncate: s if len(s) < n, else s[:n], in bytes; a negative n is Go's slice-bounds panic.
    [TestCase("{{truncate .Name 3}}", "web")]
    [TestCase("{{truncate .Name 5}}", "web-1")]
    [TestCase("{{truncate .Name 10}}", "web-1")]
    [TestCase("{{truncate .Name 0}}", "")]
    [TestCase("{{truncate \"\" 0}}", "")]
    [TestCase("{{truncate \"héllo\" 3}}", "hé")]
    [TestCase("{{truncate \"héllo\" 2}}", "h\uFFFD")]
    [TestCase("{{truncate \"日本\" 4}}", "日\uFFFD")]
    [TestCase("{{slice \"héllo\" 2}}", "\uFFFDllo")]
    public void Truncate(string template, string expected) => Assert.That(Render(template), Is.EqualTo(expected));

    [Test]
    public void TruncateNegativeLengthIsAnError() =>
        Assert.That(RenderError("{{truncate .Name -1}}"), Is.EqualTo("line 1, column 3: error calling truncate: runtime error: slice bounds out of range [:-1]"));

    [TestCase("{{`a\\nb`}}", "a\\nb")]
    [TestCase("{{\"a\\tb\\x41\\u00e9\\101\\U0001F600\"}}", "a\tbAéA😀")]
    [TestCase("{{0x1f}} {{-3}} {{+4}} {{017}} {{0o17}} {{0b101}} {{1_000}}", "31 -3 4 15 15 5 1000")]
    [TestCase("{{true}} {{false}}", "true false")]
    [TestCase("{{\"x\\xffy\"}}", "x\uFFFDy")]
    public void Literals(string template, string expected) => Assert.That(Render(template), Is.EqualTo(expected));

    [TestCase("{{.Name | upper | printf \"%s!\"}}", "WEB-1!")]
    [TestCase("{{.Name|upper}}", "WEB-1")]
    [TestCase("{{upper (printf \"%s-%s\" .Name .ID)}}", "WEB-1-0123456789AB")]
    [TestCase("{{(.ContainerLabels).tier}}", "web")]
    [TestCase("{{(index (split .Name \"-\") 0) | upper}}", "WEB")]
    [TestCase("{{\"a\" | printf \"%s%s\" \"b\"}}", "ba")]
    public void PipelinesAndParentheses(string template, string expected) => Assert.That(Render(template), Is.EqualTo(expected));

    [TestCase("a  {{- .Name -}}  b", "aweb-1b")]
    [TestCase("a\n\t{{- .Name}}\n", "aweb-1\n")]
    [TestCase("{{.Name -}}\n  x", "web-1x")]
    [TestCase("a {{-3}}", "a -3")]
    [TestCase("x {{/* a comment */}} y", "x  y")]
    [TestCase("x {{- /* a comment */ -}} y", "xy")]
    [TestCase("{{if .Name -}} yes {{- else -}} no {{- end}}", "yes")]
    [TestCase("{{.Name\n| upper}}", "WEB-1")]
    public void TrimMarkersAndComments(string template, string expected) => Assert.That(Render(template), Is.EqualTo(expected));

    [TestCase("{{if .ContainerLabels.tier}}t={{.ContainerLabels.tier}}{{else}}none{{end}}", "t=web")]
    [TestCase("{{if .ContainerLabels.nope}}y{{else}}n{{end}}", "n")]
    [TestCase("{{if eq .Name \"x\"}}x{{else if eq .Name \"web-1\"}}w{{else}}o{{end}}", "w")]
    [TestCase("{{if eq .Name \"x\"}}x{{else if eq .Name \"y\"}}y{{else}}o{{end}}", "o")]
    [TestCase("{{if and .Name (not .LogPath)}}ok{{end}}", "ok")]
    [TestCase("{{with .ContainerLabels.tier}}{{.}}{{else}}none{{end}}", "web")]
    [TestCase("{{with .ContainerLabels.nope}}{{.}}{{else}}{{.Name}}{{end}}", "web-1")]
    [TestCase("{{with $t := .ContainerLabels.tier}}{{$t}}-{{$.Name}}{{end}}", "web-web-1")]
    [TestCase("{{with .ContainerLabels.nope}}a{{else with .Name}}{{.}}{{end}}", "web-1")]
    [TestCase("{{range split .Name \"-\"}}[{{.}}]{{end}}", "[web][1]")]
    [TestCase("{{range $i, $p := split .Name \"-\"}}{{$i}}={{$p}};{{end}}", "0=web;1=1;")]
    [TestCase("{{range $p := split .Name \"-\"}}{{$p}}{{$.ID}};{{end}}", "web0123456789ab;10123456789ab;")]
    [TestCase("{{range $k, $v := .ContainerLabels}}{{$k}}:{{$v}} {{end}}", "com.example.team:payments tier:web ")]
    [TestCase("{{range .ContainerLabels}}{{.}},{{end}}", "payments,web,")]
    [TestCase("{{range split \"\" \"\"}}x{{else}}empty{{end}}", "empty")]
    [TestCase("{{range .ContainerLabels.nope}}x{{else}}none{{end}}", "none")]
    [TestCase("{{$n := .Name}}{{$n}}/{{$n = \"b\"}}{{$n}}", "web-1/b")]
    [TestCase("{{range split .Name \"-\"}}{{$x := upper .}}{{$x}}{{end}}", "WEB1")]
    public void IfWithRangeAndVariables(string template, string expected) => Assert.That(Render(template), Is.EqualTo(expected));

    [TestCase("{{.Name", "line 1, column 1: unclosed action: no closing }}")]
    [TestCase("ab\ncd {{foo .Name}}", "line 2, column 6: function \"foo\" not defined; available: and, eq, ge, gt, index, join, json, le, len, lower, lt, ne, not, or, pad, print, printf, println, slice, split, title, truncate, upper")]
    [TestCase("{{.Foo}}", "line 1, column 3: unknown field .Foo; the container info has .ID, .FullID, .Name, .ImageID, .ImageFullID, .ImageName, .Command, .Hostname, .Config, .ContainerID, .ContainerName, .ContainerEntrypoint, .ContainerArgs, .ContainerImageID, .ContainerImageName, .ContainerCreated, .ContainerEnv, .ContainerLabels, .LogPath, .DaemonName")]
    [TestCase("{{range .ContainerArgs}}{{$.Foo}}{{end}}", "line 1, column 27: unknown field .Foo;")]
    [TestCase("{{if .Name}}{{.id}}{{end}}", "line 1, column 15: unknown field .id;")]
    [TestCase("{{pad .Name 1 2 3}}", "line 1, column 3: wrong number of args for pad: want 3 got 4")]
    [TestCase("{{.Name | pad 1}}", "line 1, column 11: wrong number of args for pad: want 3 got 2")]
    [TestCase("{{upper}}", "line 1, column 3: wrong number of args for upper: want 1 got 0")]
    [TestCase("{{upper lower}}", "line 1, column 9: wrong number of args for lower: want 1 got 0")]
    [TestCase("{{printf}}", "line 1, column 3: wrong number of args for printf: want at least 1 got 0")]
    [TestCase("{{if .Name}}x", "line 1, column 3: {{if}} has no matching {{end}}")]
    [TestCase("{{range .ContainerArgs}}x{{else}}y", "line 1, column 3: {{range}} has no matching {{end}}")]
    [TestCase("x{{end}}", "line 1, column 4: {{end}} without a matching {{if}}, {{with}} or {{range}}")]
    [TestCase("{{else}}", "line 1, column 3: {{else}} without a matching")]
    [TestCase("{{if .Name}}a{{else}}b{{else}}c{{end}}", "line 1, column 25: {{if}} has a second {{else}}; expected {{end}}")]
    [TestCase("{{end .Name}}", "line 1, column 3: {{end}} without a matching")]
    [TestCase("{{if .Name}}{{end x}}", "line 1, column 19: unexpected \"x\" after {{end}}")]
    [TestCase("{{\"abc}}", "line 1, column 3: unterminated quoted string")]
    [TestCase("{{`abc}}", "line 1, column 3: unterminated raw quoted string")]
    [TestCase("{{(upper .Name}}", "line 1, column 3: unclosed left parenthesis")]
    [TestCase("{{upper .Name)}}", "line 1, column 14: unexpected right parenthesis")]
    [TestCase("{{}}", "line 1, column 3: missing value for action")]
    [TestCase("{{if}}{{end}}", "line 1, column 5: missing value for if")]
    [TestCase("{{.Name | }}", "line 1, column 11: missing value for action")]
    [TestCase("{{.Name | \"x\"}}", "line 1, column 11: pipeline stage 2 is \"x\", which is not a function, field or method")]
    [TestCase("{{\"x\" 1}}", "line 1, column 3: \"x\" is not a function and cannot take arguments")]
    [TestCase("{{nil}}", "line 1, column 3: nil is not a command")]
    [TestCase("{{$x}}", "line 1, column 3: undefined variable \"$x\"")]
    [TestCase("{{$x = 1}}", "line 1, column 3: undefined variable \"$x\"")]
    [TestCase("{{if .Name}}{{$x := 1}}{{end}}{{$x}}", "line 1, column 33: undefined variable \"$x\"")]
    [TestCase("{{1.5}}", "line 1, column 3: bad number 1.5: only integers such as 3, -1 or 0x1f are supported")]
    [TestCase("{{99999999999999999999}}", "line 1, column 3: bad number 99999999999999999999")]
    [TestCase("{{'a'}}", "line 1, column 3: character constants are not supported")]
    [TestCase("{{template \"x\"}}", "line 1, column 3: {{template}} is not supported in a log tag")]
    [TestCase("{{printf \"a\"\"b\"}}", "line 1, column 13: \"b\" must be separated from the operand before it by a space")]
    [TestCase("{{.Name#}}", "line 1, column 8: unexpected character '#' (U+0023) after .Name")]
    [TestCase("{{@}}", "line 1, column 3: unexpected character '@' (U+0040) in action")]
    [TestCase("{{\"\\q\"}}", "line 1, column 4: unknown escape sequence \\q in quoted string")]
    [TestCase("{{\"\\400\"}}", "line 1, column 4: octal escape \\400 is above \\377")]
    [TestCase("{{\"\\ud800\"}}", "line 1, column 4: escape \\ud800 is not a valid Unicode code point")]
    [TestCase("{{/* x }}", "line 1, column 1: unclosed comment: no closing */")]
    [TestCase("{{/* x */ .Name}}", "line 1, column 10: a comment must end right before the closing }}")]
    [TestCase("{{range $a, $b, $c := .ContainerArgs}}{{end}}", "line 1, column 15: too many variables declared in range")]
    [TestCase("{{with $a, $b := .Name}}{{end}}", "line 1, column 10: too many variables declared in with")]
    [TestCase("{{x := 1}}", "line 1, column 3: function \"x\" not defined")]
    [TestCase("{{.Name := 1}}", "line 1, column 9: unexpected \":=\" in operand")]
    [TestCase("{{\"a\".x}}", "line 1, column 6: a field cannot follow \"a\"")]
    public void ParseErrors(string template, string expected) => Assert.That(ParseError(template), Does.StartWith(expected));

    [Test]
    public void DeepNestingIsAParseErrorNotACrash() =>
        Assert.That(ParseError("{{" + new string('(', 500) + "1" + new string(')', 500) + "}}"), Does.Contain("nests more than 100 levels deep"));

    [TestCase("{{upper 3}}", "line 1, column 3: error calling upper: argument 1 has type int; expected string")]
    [TestCase("{{pad .Name \"1\" 2}}", "line 1, column 3: error calling pad: argument 2 has type string; expected int")]
    [TestCase("{{join .Name \",\"}}", "line 1, column 3: error calling join: argument 1 has type string; expected []string")]
    [TestCase("{{split .Name \"-\" | join \"+\"}}", "line 1, column 21: error calling join: argument 1 has type string; expected []string")]
    [TestCase("{{upper .ContainerLabels.nope}}", "line 1, column 3: error calling upper: argument 1 has no value; expected string")]
    [TestCase("{{printf 1}}", "line 1, column 3: error calling printf: argument 1 has type int; expected string")]
    [TestCase("{{index .ContainerArgs 5}}", "line 1, column 3: error calling index: index out of range: 5")]
    [TestCase("{{index .ContainerArgs -1}}", "line 1, column 3: error calling index: index out of range: -1")]
    [TestCase("{{index .ContainerArgs \"a\"}}", "line 1, column 3: error calling index: cannot index slice/array with type string")]
    [TestCase("{{index .ContainerLabels 1}}", "line 1, column 3: error calling index: value has type int; should be string")]
    [TestCase("{{index 3 1}}", "line 1, column 3: error calling index: can't index item of type int")]
    [TestCase("{{index nil 1}}", "line 1, column 3: error calling index: index of untyped nil")]
    [TestCase("{{len 3}}", "line 1, column 3: error calling len: len of type int")]
    [TestCase("{{slice .Name 3 1}}", "line 1, column 3: error calling slice: invalid slice index: 3 > 1")]
    [TestCase("{{slice .Name 0 9}}", "line 1, column 3: error calling slice: index out of range: 9")]
    [TestCase("{{slice \"abc\" 0 1 2}}", "line 1, column 3: error calling slice: cannot 3-index slice a string")]
    [TestCase("{{slice .ContainerArgs 0 1 2 3}}", "line 1, column 3: error calling slice: too many slice indexes: 4")]
    [TestCase("{{slice 3}}", "line 1, column 3: error calling slice: can't slice item of type int")]
    [TestCase("{{eq .Name 1}}", "line 1, column 3: error calling eq: incompatible types for comparison")]
    [TestCase("{{eq .Name}}", "line 1, column 3: error calling eq: missing argument for comparison")]
    [TestCase("{{eq .ContainerArgs .ContainerArgs}}", "line 1, column 3: error calling eq: non-comparable type []string")]
    [TestCase("{{lt true false}}", "line 1, column 3: error calling lt: invalid type for comparison")]
    [TestCase("{{lt 1 \"a\"}}", "line 1, column 3: error calling lt: incompatible types for comparison")]
    [TestCase("{{.ID 1}}", "line 1, column 3: wrong number of args for ID: want 0 got 1")]
    [TestCase("{{\"x\" | .Name}}", "line 1, column 9: wrong number of args for Name: want 0 got 1")]
    [TestCase("{{.ContainerID 1}}", "line 1, column 3: ContainerID is a field, not a method, and cannot take arguments")]
    [TestCase("{{.ContainerLabels.tier 1}}", "line 1, column 3: tier is a map key, not a method, and cannot take arguments")]
    [TestCase("{{.Name.Foo}}", "line 1, column 3: can't evaluate field Foo in type string")]
    [TestCase("{{(split .Name \"-\").foo}}", "line 1, column 3: can't evaluate field foo in type []string")]
    [TestCase("{{range split .Name \"-\"}}{{.Foo}}{{end}}", "line 1, column 28: can't evaluate field Foo in type string")]
    [TestCase("{{range .Name}}x{{end}}", "line 1, column 9: range can't iterate over web-1 (string)")]
    [TestCase("{{if false}}{{$x := 1}}{{else}}{{$x}}{{end}}", "line 1, column 34: undefined variable \"$x\"")]
    [TestCase("{{.Name | pad 1 1}}", "line 1, column 11: error calling pad: argument 1 has type int; expected string")]
    [TestCase("{{pad .Name 70000 0}}", "line 1, column 3: error calling pad: the result would be longer than 65536 characters")]
    [TestCase("{{printf \"%70000s\" .Name}}", "the rendered tag would be longer than 65536 characters")]
    public void RenderErrors(string template, string expected) => Assert.That(RenderError(template), Is.EqualTo(expected));

    [Test]
    public void PrintfWidthAboveGosLimitIsReportedInTheText() =>
        Assert.That(Render("{{printf \"%2000000s|\" .Name}}"), Is.EqualTo("%!(NOVERB)%!(EXTRA string=web-1)"));

    private static IDictionary Environment(string config) => new Hashtable
    {
        ["DOCKERLOG_CONFIG"] = config,
        ["DOCKERLOG_CONTAINERID"] = ContainerId,
        ["DOCKERLOG_CONTAINERNAME"] = "/web-1",
        ["DOCKERLOG_ENTRYPOINT"] = "[\"nginx\"]",
    };

    private static DriverDescriptor JsonFile => DriverRegistry.Find("json-file")!;

    [Test]
    public void RunConfigurationRendersAValidTag()
    {
        var config = RunConfiguration.Load(JsonFile, Environment("{\"tag\":\"{{.Name | upper}}/{{.ID}}/{{.Command}}\"}"));
        Assert.That(config.Errors, Is.Empty);
        Assert.That(config.CreateContext(new Diagnostics(TextWriter.Null)).Tag, Is.EqualTo("WEB-1/0123456789ab/nginx"));
    }

    [TestCase("tag", "{{.Foo}}", "line 1, column 3: unknown field .Foo;")]
    [TestCase("tag", "{{.Name | frobnicate}}", "line 1, column 11: function \"frobnicate\" not defined;")]
    [TestCase("tag", "{{.Name", "line 1, column 1: unclosed action")]
    [TestCase("syslog-tag", "{{pad .Name}}", "line 1, column 3: wrong number of args for pad: want 3 got 1")]
    public void RunConfigurationReportsATagParseErrorAsABadValue(string key, string tag, string message)
    {
        var config = RunConfiguration.Load(JsonFile, Environment($"{{\"{key}\":\"{tag.Replace("\"", "\\\"")}\"}}"));
        Assert.That(config.Errors, Has.Some.StartsWith($"DOCKERLOG_CONFIG: option \"{key}\" has a bad value \"{tag}\": {message}"));
        Assert.That(config.Info, Is.Null);
    }

    [Test]
    public void RunConfigurationReportsATagRenderErrorAsABadValue()
    {
        var config = RunConfiguration.Load(JsonFile, Environment("{\"tag\":\"{{index .ContainerArgs 5}}\"}"));
        Assert.That(config.Errors, Is.EqualTo(new[]
        {
            "DOCKERLOG_CONFIG: option \"tag\" has a bad value \"{{index .ContainerArgs 5}}\": line 1, column 3: error calling index: index out of range: 5",
        }));
    }
}
