// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <string.h>
#include "config.h"
#include "finding.h"

#define LINE_MAX_LEN 4096

enum section { SEC_NONE, SEC_DAEMON, SEC_SUPPRESS };

struct parser {
	struct da_config *c;
	const char *name;
	unsigned int line;
	enum section sec;
	char *err;
	size_t errlen;
};

void config_defaults(struct da_config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->textfile_dir, DA_DEFAULT_TEXTFILE_DIR);
	c->interval = DA_DEFAULT_INTERVAL;
	c->max_findings = DA_DEFAULT_MAX_FINDINGS;
	strcpy(c->json_file, "-");
	c->attach = DA_ATTACH_AUTO;
	c->inventory = true;
}

static int bad(struct parser *p, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(p->err, p->errlen, "%s:%u: %s", p->name, p->line, msg);
	return -EINVAL;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int set_path(struct parser *p, char *dst, const char *key, const char *val, bool empty_ok)
{
	if (!*val && !empty_ok)
		return bad(p, "%s needs a value", key);
	if (strlen(val) >= DA_PATH_LEN)
		return bad(p, "%s: path longer than %d bytes", key, DA_PATH_LEN - 1);
	strcpy(dst, val);
	return 0;
}

static int daemon_key(struct parser *p, const char *key, const char *val)
{
	struct da_config *c = p->c;
	unsigned long v;

	if (!strcmp(key, "textfile-dir"))
		return set_path(p, c->textfile_dir, key, val, true);
	if (!strcmp(key, "json-file"))
		return set_path(p, c->json_file, key, val, false);
	if (!strcmp(key, "pidfile"))
		return set_path(p, c->pidfile, key, val, true);
	if (!strcmp(key, "btf"))
		return set_path(p, c->btf_path, key, val, true);
	if (!strcmp(key, "interval")) {
		if (parse_seconds(val, DA_MAX_INTERVAL, &v))
			return bad(p, "interval '%s': expected whole seconds, 1 to %u", val,
				   DA_MAX_INTERVAL);
		c->interval = v;
		return 0;
	}
	if (!strcmp(key, "max-findings")) {
		/* below 16 a table is no use; a bound keeps the memory of a typo bounded */
		if (parse_seconds(val, DA_MAX_MAX_FINDINGS, &v) || v < 16)
			return bad(p, "max-findings '%s': expected a whole number, 16 to %u", val,
				   DA_MAX_MAX_FINDINGS);
		c->max_findings = v;
		return 0;
	}
	if (!strcmp(key, "attach")) {
		if (attach_from_name(val, &c->attach))
			return bad(p, "attach '%s': expected auto, fentry or kprobe", val);
		return 0;
	}
	if (!strcmp(key, "inventory")) {
		if (strcmp(val, "yes") && strcmp(val, "no"))
			return bad(p, "inventory '%s': expected yes or no", val);
		c->inventory = !strcmp(val, "yes");
		return 0;
	}
	return bad(
		p,
		"unknown key '%s' in [daemon] (textfile-dir, interval, json-file, pidfile, attach, btf, "
		"max-findings, inventory)",
		key);
}

/* "a, b c" -> items; each item checked by add(). */
static int each_item(struct parser *p, char *val, int (*add)(struct parser *, const char *))
{
	int n = 0, err;

	for (char *tok = strtok(val, ", \t"); tok; tok = strtok(NULL, ", \t")) {
		err = add(p, tok);
		if (err)
			return err;
		n++;
	}
	return n ? 0 : bad(p, "empty list");
}

static struct da_rule *cur_rule(struct parser *p)
{
	return &p->c->rules[p->c->nrules - 1];
}

static int add_kind(struct parser *p, const char *s)
{
	int k = kind_from_name(s);

	if (k < 0)
		return bad(p, "unknown kind '%s'", s);
	cur_rule(p)->kinds |= 1u << k;
	return 0;
}

static int add_pattern(struct parser *p, char (*list)[DA_PATTERN_LEN], int *n, const char *s)
{
	if (*n == DA_RULE_PATTERNS)
		return bad(p, "more than %d patterns in one key", DA_RULE_PATTERNS);
	if (strlen(s) >= DA_PATTERN_LEN)
		return bad(p, "pattern '%.20s...' longer than %d bytes", s, DA_PATTERN_LEN - 1);
	strcpy(list[(*n)++], s);
	return 0;
}

static int add_exporter(struct parser *p, const char *s)
{
	struct da_rule *r = cur_rule(p);

	return add_pattern(p, r->exporter, &r->nexporter, s);
}

static int add_comm(struct parser *p, const char *s)
{
	struct da_rule *r = cur_rule(p);

	return add_pattern(p, r->comm, &r->ncomm, s);
}

static int suppress_key(struct parser *p, const char *key, char *val)
{
	if (!strcmp(key, "kind"))
		return each_item(p, val, add_kind);
	if (!strcmp(key, "exporter"))
		return each_item(p, val, add_exporter);
	if (!strcmp(key, "comm"))
		return each_item(p, val, add_comm);
	return bad(p, "unknown key '%s' in [suppress] (exporter, comm, kind)", key);
}

static bool rule_empty(const struct da_rule *r)
{
	return !r->kinds && !r->nexporter && !r->ncomm;
}

/* A [suppress] that matches everything is a mistake, not a wish. */
static int end_section(struct parser *p)
{
	if (p->sec != SEC_SUPPRESS || !rule_empty(cur_rule(p)))
		return 0;
	p->line = cur_rule(p)->line;
	return bad(p, "[suppress] without exporter, comm or kind would hide every finding");
}

static int section(struct parser *p, char *s)
{
	char *end = strchr(s, ']');
	int err = end_section(p);

	if (err)
		return err;
	if (!end || end[1])
		return bad(p, "malformed section header");
	*end = '\0';
	s = trim(s + 1);
	if (!strcmp(s, "daemon")) {
		p->sec = SEC_DAEMON;
		return 0;
	}
	if (strcmp(s, "suppress"))
		return bad(p, "unknown section [%s] (daemon, suppress)", s);
	if (p->c->nrules == DA_MAX_RULES)
		return bad(p, "more than %d [suppress] sections", DA_MAX_RULES);
	p->sec = SEC_SUPPRESS;
	memset(&p->c->rules[p->c->nrules], 0, sizeof(struct da_rule));
	p->c->rules[p->c->nrules++].line = p->line;
	return 0;
}

/*
 * Cuts s at its comment: a '#' or ';' that starts the line or the value (right
 * after the first '='), or follows a blank. A '#' or ';' inside a word
 * ("/var/log/a#1.json") is text; there is no quoting.
 */
static void cut_comment(char *s)
{
	char *eq = strchr(s, '=');

	for (char *c = s; *c; c++) {
		if (*c != '#' && *c != ';')
			continue;
		if (c == s || c[-1] == ' ' || c[-1] == '\t' || (eq && c == eq + 1)) {
			*c = '\0';
			return;
		}
	}
}

static int line(struct parser *p, char *s)
{
	char *eq, *key, *val;

	cut_comment(s);
	s = trim(s);
	if (!*s)
		return 0;
	if (*s == '[')
		return section(p, s);
	eq = strchr(s, '=');
	if (!eq)
		return bad(p, "expected 'key = value' or '[section]'");
	*eq = '\0';
	key = trim(s);
	val = trim(eq + 1);
	if (!*key)
		return bad(p, "missing key before '='");
	switch (p->sec) {
	case SEC_DAEMON:
		return daemon_key(p, key, val);
	case SEC_SUPPRESS:
		return suppress_key(p, key, val);
	default:
		return bad(p, "key '%s' outside a section ([daemon] or [suppress])", key);
	}
}

/*
 * The next line of f into buf (LINE_MAX_LEN + 1 bytes), without its end
 * ('\n', "\r\n" or the end of the file): 1, or 0 at the end of the file or
 * on a read error (ferror). A NUL or other control byte (tab aside) and a
 * line longer than LINE_MAX_LEN are errors: the parse stops there, so no
 * part of such a line is ever read as a line of its own, and no value is
 * cut short or carries a byte that would break a one-line message.
 */
static int read_line(struct parser *p, FILE *f, char *buf)
{
	size_t n = 0;
	int ch;

	p->line++;
	for (;;) {
		ch = getc(f);
		if (ch == '\r') {
			int next = getc(f);

			if (next == '\n' || next == EOF)
				ch = next;
			else
				ungetc(next, f);
		}
		if (ch == EOF || ch == '\n')
			break;
		if (!ch)
			return bad(p, "NUL byte at column %zu", n + 1);
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return bad(p, "control character 0x%02x at column %zu", ch, n + 1);
		if (n == LINE_MAX_LEN)
			return bad(p, "line longer than %d bytes", LINE_MAX_LEN);
		buf[n++] = (char)ch;
	}
	buf[n] = '\0';
	if (ch == EOF && (!n || ferror(f))) {
		p->line--;
		return 0;
	}
	return 1;
}

int config_parse(struct da_config *c, FILE *f, const char *name, char *err, size_t errlen)
{
	struct parser p = { .c = c, .name = name, .err = err, .errlen = errlen };
	char buf[LINE_MAX_LEN + 1];
	int ret;

	while ((ret = read_line(&p, f, buf)) > 0) {
		ret = line(&p, buf);
		if (ret)
			return ret;
	}
	if (ret)
		return ret;
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error: %s", name, strerror(errno));
		return -EIO;
	}
	return end_section(&p);
}

static void apply_cli(struct da_config *c, const struct da_opts *o)
{
	if (o->set & DA_SET_TEXTFILE_DIR)
		strcpy(c->textfile_dir, o->textfile_dir);
	if (o->set & DA_SET_INTERVAL)
		c->interval = o->interval;
	if (o->set & DA_SET_JSON_FILE)
		strcpy(c->json_file, o->json_file);
	if (o->set & DA_SET_PIDFILE)
		strcpy(c->pidfile, o->pidfile);
	if (o->set & DA_SET_ATTACH)
		c->attach = o->attach;
	if (o->set & DA_SET_BTF)
		strcpy(c->btf_path, o->btf_path);
}

int config_load(struct da_config *c, const struct da_opts *o, char *err, size_t errlen)
{
	const char *path = o->config_path[0] ? o->config_path : DA_DEFAULT_CONFIG;
	FILE *f;
	int ret = 0;

	config_defaults(c);
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		/* The default file is optional: flags and defaults are a valid setup. */
		if (ret == -ENOENT && !o->config_path[0])
			ret = 0;
		else
			snprintf(err, errlen, "cannot read config %s: %s", path, strerror(-ret));
	} else {
		ret = config_parse(c, f, path, err, errlen);
		fclose(f);
	}
	if (!ret)
		apply_cli(c, o);
	return ret;
}

static bool any_match(const char (*list)[DA_PATTERN_LEN], int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!fnmatch(list[i], s, 0))
			return true;
	return false;
}

int config_suppressed(const struct da_config *c, uint32_t kind, const char *exporter,
		      const char *comm)
{
	for (int i = 0; i < c->nrules; i++) {
		const struct da_rule *r = &c->rules[i];

		if (r->kinds && (kind >= 32 || !(r->kinds & (1u << kind))))
			continue;
		if (r->nexporter && !any_match(r->exporter, r->nexporter, exporter))
			continue;
		if (r->ncomm && !any_match(r->comm, r->ncomm, comm))
			continue;
		return i + 1;
	}
	return 0;
}

void config_describe(const struct da_config *c, char *buf, size_t len)
{
	char tf[DA_PATH_LEN + 64] = "no textfile";

	if (c->textfile_dir[0])
		snprintf(tf, sizeof(tf), "textfile %s/dmabuf_audit.prom every %u s",
			 c->textfile_dir, c->interval);
	snprintf(buf, len, "%d suppression rule%s, %s, JSON to %s, attach %s", c->nrules,
		 c->nrules == 1 ? "" : "s", tf, strcmp(c->json_file, "-") ? c->json_file : "stdout",
		 attach_name(c->attach));
}
