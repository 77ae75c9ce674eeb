/*
 * The sim venue's scripted market (sim_market.h): a watched file of held
 * prices.  The file must be a regular file of the engine's user, writable by
 * no one else (rg_owned_open), as it moves the venue's market.
 */
#include "sim_market.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log_line.h"
#include "owned_file.h"
#include "price_text.h"

static int symbol_of(const struct rg_config *cfg, uint16_t venue, const char *name)
{
	for (uint32_t i = 0; i < cfg->n_symbols; i++)
		if (cfg->symbols[i].venue == venue && strcmp(cfg->symbols[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* One line; true when applied. */
static bool apply_line(struct rg_sim_market *m, const struct rg_config *cfg, uint16_t venue, char *line,
		       unsigned lineno, int64_t *price_e8, uint8_t *held)
{
	char *save = NULL, *name = strtok_r(line, " \t\r", &save), *what = strtok_r(NULL, " \t\r", &save);
	const struct rg_symbol_cfg *sym;
	int64_t p;
	int id;

	if (name == NULL || name[0] == '#')
		return false;
	if ((id = symbol_of(cfg, venue, name)) < 0 || what == NULL || strtok_r(NULL, " \t\r", &save) != NULL) {
		rg_log(RG_LOG_WARN, "riskgate sim venue %s: %s:%u: want \"SYMBOL PRICE\" or \"SYMBOL walk\" for a symbol of this venue; skipped",
		       cfg->venues[venue].name, m->path, lineno);
		return false;
	}
	sym = &cfg->symbols[id];
	if (strcmp(what, "walk") == 0) {
		held[id] = 0;
		return true;
	}
	if (!rg_price_text_e8(what, &p) || p % sym->tick_e8 != 0 || p < sym->min_price_e8 || p > sym->max_price_e8) {
		rg_log(RG_LOG_WARN, "riskgate sim venue %s: %s:%u: %s: '%s' is not a price of %s (on its tick grid, within its min and max price); skipped",
		       cfg->venues[venue].name, m->path, lineno, name, what, name);
		return false;
	}
	price_e8[id] = p;
	held[id] = 1;
	return true;
}

int rg_sim_market_poll(struct rg_sim_market *m, const struct rg_config *cfg, uint16_t venue, int64_t *price_e8,
		       uint8_t *held)
{
	static const struct rg_owned_rule rule = {"sim market file", S_IFREG, false, 0022};
	char err[256];
	struct stat st;
	ssize_t n;
	int fd, applied = 0;
	unsigned lineno = 0;

	if (m->path == NULL || m->path[0] == '\0' || stat(m->path, &st) != 0)
		return 0; /* none (yet) */
	if (m->read_once && st.st_size == m->size && st.st_ino == m->ino && st.st_mtim.tv_sec == m->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == m->mtime.tv_nsec)
		return 0;
	m->read_once = true;
	m->size = st.st_size;
	m->ino = st.st_ino;
	m->mtime = st.st_mtim;
	fd = rg_owned_open(m->path, O_RDONLY, 0, true, &rule, err, sizeof(err));
	if (fd < 0) {
		rg_log(RG_LOG_WARN, "riskgate sim venue %s: %s", cfg->venues[venue].name, err);
		return fd;
	}
	n = read(fd, m->buf, RG_SIM_MARKET_MAX_BYTES);
	close(fd);
	if (n < 0)
		return -errno;
	m->buf[n] = '\0';
	for (char *save = NULL, *line = strtok_r(m->buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		applied += apply_line(m, cfg, venue, line, ++lineno, price_e8, held);
	m->applied += (uint64_t)applied;
	return applied;
}
