/*
 * cps-sim: a PKCS#11 proxy module that forwards to SoftHSM and adds the
 * behaviour of a real CPS card that SoftHSM lacks (test infrastructure only):
 *   - a PIN try counter (3 tries, persisted in a state file), reflected in
 *     C_GetTokenInfo flags (COUNT_LOW / FINAL_TRY / LOCKED) and CKR_PIN_LOCKED;
 *   - pinpad mode (CKF_PROTECTED_AUTHENTICATION_PATH; C_Login without a PIN
 *     uses the PIN configured for the "reader");
 *   - a slow C_Sign (to prove callers are not blocked);
 *   - CPS3 mode (no RSA-PSS mechanisms) and a mode without raw CKM_RSA_PKCS;
 *   - card removal ("present = 0", re-read on every call).
 * Configuration: INI file named by env CPS_SIM_CONFIG, else cps-sim.ini beside
 * $SOFTHSM2_CONF (see README.md).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "pkcs11.h"

#define MAX_TOKENS 32
#define MAX_MECHS 512

struct token_cfg {
  char label[33];
  int present;         /* 0 = card pulled out of the reader */
  int max_tries;       /* PIN tries of a fresh card (3) */
  int initial_tries;   /* tries left when no state file exists yet */
  int pinpad;          /* CKF_PROTECTED_AUTHENTICATION_PATH */
  char pinpad_pin[64]; /* what the user "types on the reader" */
  int sign_delay_ms;   /* C_Sign sleeps that long first */
  int cps3;            /* hide RSA-PSS mechanisms */
  int hide_raw_rsa;    /* hide CKM_RSA_PKCS (only CKM_SHA256_RSA_PKCS & co.) */
};

struct config {
  char module[1024];
  char state_dir[1024];
  int ntokens;
  struct token_cfg tokens[MAX_TOKENS];
};

struct pin_state {
  int tries_left;
  long login_calls; /* every C_Login reaching the simulator, for tests */
  long sign_calls;   /* every signature the card produced, for tests */
  long secret_reads; /* attempts to read private-key material (must stay 0) */
  long sign_started; /* slow signatures that began (before sign_delay_ms): tests act mid-signature on it */
};

static void *real_lib;
static CK_FUNCTION_LIST real; /* the wrapped module's functions */
static CK_FUNCTION_LIST sim;  /* real + our overrides */
static struct config cfg;

/* ---------- configuration ---------- */

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  char *e = s + strlen(s);
  while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r')) *--e = 0;
  return s;
}

static void token_defaults(struct token_cfg *t, const char *label) {
  memset(t, 0, sizeof *t);
  snprintf(t->label, sizeof t->label, "%s", label);
  t->present = 1;
  t->max_tries = 3;
  t->initial_tries = -1; /* = max_tries */
}

/* $CPS_SIM_CONFIG, else cps-sim.ini beside $SOFTHSM2_CONF (so every process
   that already opens the bench tokens gets the card behaviour too). */
static const char *config_path(void) {
  static char buf[1024];
  const char *explicit_path = getenv("CPS_SIM_CONFIG");
  if (explicit_path && *explicit_path) return explicit_path;
  const char *hsm = getenv("SOFTHSM2_CONF");
  if (!hsm || !*hsm) return NULL;
  snprintf(buf, sizeof buf, "%s", hsm);
  char *slash = strrchr(buf, '/');
  if (!slash) return NULL;
  snprintf(slash + 1, sizeof buf - (size_t)(slash + 1 - buf), "cps-sim.ini");
  return buf;
}

/* Re-read on every call on purpose: tests flip "present" while a process runs. */
static void load_config(void) {
  const char *path = config_path();
  memset(&cfg, 0, sizeof cfg);
  snprintf(cfg.module, sizeof cfg.module, "%s", "/usr/lib/softhsm/libsofthsm2.so");
  FILE *f = path ? fopen(path, "r") : NULL;
  if (!f) return; /* no file: plain SoftHSM behaviour plus in-memory PIN counters */
  snprintf(cfg.state_dir, sizeof cfg.state_dir, "%s", path); /* default: beside the config */
  char *slash = strrchr(cfg.state_dir, '/');
  if (slash) *slash = 0; else snprintf(cfg.state_dir, sizeof cfg.state_dir, ".");
  char line[1200];
  struct token_cfg *cur = NULL;
  while (fgets(line, sizeof line, f)) {
    char *s = trim(line);
    if (*s == 0 || *s == '#' || *s == ';') continue;
    if (*s == '[') {
      char *end = strchr(s, ']');
      if (!end || cfg.ntokens >= MAX_TOKENS) { cur = NULL; continue; }
      *end = 0;
      cur = &cfg.tokens[cfg.ntokens++];
      token_defaults(cur, trim(s + 1));
      continue;
    }
    char *eq = strchr(s, '=');
    if (!eq) continue;
    *eq = 0;
    char *key = trim(s), *val = trim(eq + 1);
    if (!cur) {
      if (!strcmp(key, "module")) snprintf(cfg.module, sizeof cfg.module, "%s", val);
      else if (!strcmp(key, "state_dir")) snprintf(cfg.state_dir, sizeof cfg.state_dir, "%s", val);
      continue;
    }
    int n = atoi(val);
    if (!strcmp(key, "present")) cur->present = n;
    else if (!strcmp(key, "max_tries")) cur->max_tries = n;
    else if (!strcmp(key, "initial_tries")) cur->initial_tries = n;
    else if (!strcmp(key, "pinpad")) cur->pinpad = n;
    else if (!strcmp(key, "pinpad_pin")) snprintf(cur->pinpad_pin, sizeof cur->pinpad_pin, "%s", val);
    else if (!strcmp(key, "sign_delay_ms")) cur->sign_delay_ms = n;
    else if (!strcmp(key, "cps3")) cur->cps3 = n;
    else if (!strcmp(key, "hide_raw_rsa")) cur->hide_raw_rsa = n;
  }
  fclose(f);
}

/* Tokens not named in the config behave like plain SoftHSM tokens with a counter. */
static struct token_cfg *token_for_label(const char *label) {
  static struct token_cfg fallback;
  for (int i = 0; i < cfg.ntokens; i++)
    if (!strcmp(cfg.tokens[i].label, label)) return &cfg.tokens[i];
  token_defaults(&fallback, label);
  return &fallback;
}

/* ---------- PIN state file ---------- */

static void state_path(const struct token_cfg *t, char *out, size_t n) {
  char safe[33];
  size_t i;
  for (i = 0; t->label[i] && i < 32; i++) {
    char c = t->label[i];
    safe[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') ? c : '_';
  }
  safe[i] = 0;
  snprintf(out, n, "%s/%s.state", cfg.state_dir, safe);
}

/* Without a config file there is nowhere to persist: counters live in memory. */
static struct { char label[33]; struct pin_state st; } mem_state[MAX_TOKENS];

static struct pin_state *memory_slot(const struct token_cfg *t) {
  for (int i = 0; i < MAX_TOKENS; i++) {
    if (!strcmp(mem_state[i].label, t->label)) return &mem_state[i].st;
    if (!mem_state[i].label[0]) {
      snprintf(mem_state[i].label, sizeof mem_state[i].label, "%s", t->label);
      mem_state[i].st.tries_left = t->initial_tries >= 0 ? t->initial_tries : t->max_tries;
      return &mem_state[i].st;
    }
  }
  return &mem_state[MAX_TOKENS - 1].st;
}

static struct pin_state read_state(const struct token_cfg *t) {
  struct pin_state st = { t->initial_tries >= 0 ? t->initial_tries : t->max_tries, 0, 0, 0, 0 };
  char path[1200], line[128];
  if (!cfg.state_dir[0]) return *memory_slot(t);
  state_path(t, path, sizeof path);
  FILE *f = fopen(path, "r");
  if (!f) return st;
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "tries_left=", 11)) st.tries_left = atoi(line + 11);
    else if (!strncmp(line, "login_calls=", 12)) st.login_calls = atol(line + 12);
    else if (!strncmp(line, "sign_calls=", 11)) st.sign_calls = atol(line + 11);
    else if (!strncmp(line, "secret_reads=", 13)) st.secret_reads = atol(line + 13);
    else if (!strncmp(line, "sign_started=", 13)) st.sign_started = atol(line + 13);
  }
  fclose(f);
  return st;
}

static void write_state(const struct token_cfg *t, const struct pin_state *st) {
  char path[1200], tmp[1300];
  if (!cfg.state_dir[0]) {
    *memory_slot(t) = *st;
    return;
  }
  state_path(t, path, sizeof path);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = fopen(tmp, "w");
  if (!f) return;
  fprintf(f, "tries_left=%d\nlogin_calls=%ld\nsign_calls=%ld\nsecret_reads=%ld\nsign_started=%ld\n", st->tries_left, st->login_calls,
          st->sign_calls, st->secret_reads, st->sign_started);
  fclose(f);
  rename(tmp, path); /* atomic: a crash never leaves a half-written counter */
}

/* ---------- helpers ---------- */

static void label_of(const CK_TOKEN_INFO *info, char out[33]) {
  memcpy(out, info->label, 32);
  out[32] = 0;
  for (int i = 31; i >= 0 && out[i] == ' '; i--) out[i] = 0;
}

/* The config entry of the token in a slot (NULL if the slot has no token). */
static struct token_cfg *token_in_slot(CK_SLOT_ID slot) {
  CK_TOKEN_INFO info;
  char label[33];
  if (real.C_GetTokenInfo(slot, &info) != CKR_OK) return NULL;
  label_of(&info, label);
  load_config();
  return token_for_label(label);
}

/* A removed card ends its sessions, as a real reader does. */
static CK_RV check_session(CK_SESSION_HANDLE h, struct token_cfg **out) {
  CK_SESSION_INFO si;
  CK_RV rv = real.C_GetSessionInfo(h, &si);
  if (rv != CKR_OK) return rv;
  struct token_cfg *t = token_in_slot(si.slotID);
  if (!t) return CKR_DEVICE_REMOVED;
  if (!t->present) {
    real.C_CloseAllSessions(si.slotID);
    return CKR_DEVICE_REMOVED;
  }
  if (out) *out = t;
  return CKR_OK;
}

static int is_pss(CK_MECHANISM_TYPE m) {
  return m == CKM_RSA_PKCS_PSS || m == CKM_SHA1_RSA_PKCS_PSS || m == CKM_SHA256_RSA_PKCS_PSS ||
         m == CKM_SHA384_RSA_PKCS_PSS || m == CKM_SHA512_RSA_PKCS_PSS || m == 0x47 /* SHA224 */;
}

static int hidden(const struct token_cfg *t, CK_MECHANISM_TYPE m) {
  return (t->cps3 && is_pss(m)) || (t->hide_raw_rsa && m == CKM_RSA_PKCS);
}

/* ---------- overrides ---------- */

static CK_RV sim_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pList, CK_ULONG_PTR pCount) {
  CK_ULONG n = 0, kept = 0;
  CK_RV rv = real.C_GetSlotList(tokenPresent, NULL, &n);
  if (rv != CKR_OK) return rv;
  CK_SLOT_ID *all = calloc(n ? n : 1, sizeof *all);
  if (!all) return CKR_HOST_MEMORY;
  rv = real.C_GetSlotList(tokenPresent, all, &n);
  if (rv == CKR_OK) {
    for (CK_ULONG i = 0; i < n; i++) {
      struct token_cfg *t = token_in_slot(all[i]);
      if (tokenPresent && t && !t->present) continue;
      all[kept++] = all[i];
    }
    if (pList) {
      if (*pCount < kept) rv = CKR_BUFFER_TOO_SMALL;
      else memcpy(pList, all, kept * sizeof *all);
    }
    *pCount = kept;
  }
  free(all);
  return rv;
}

static CK_RV sim_GetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR p) {
  CK_RV rv = real.C_GetSlotInfo(slot, p);
  struct token_cfg *t = rv == CKR_OK ? token_in_slot(slot) : NULL;
  if (t && !t->present) p->flags &= ~(CK_FLAGS)CKF_TOKEN_PRESENT;
  return rv;
}

static CK_RV sim_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR p) {
  CK_RV rv = real.C_GetTokenInfo(slot, p);
  if (rv != CKR_OK) return rv;
  struct token_cfg *t = token_in_slot(slot);
  if (!t || !(p->flags & CKF_TOKEN_INITIALIZED)) return rv;
  if (!t->present) return CKR_TOKEN_NOT_PRESENT;
  struct pin_state st = read_state(t);
  p->flags &= ~(CK_FLAGS)(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED);
  if (st.tries_left <= 0) p->flags |= CKF_USER_PIN_LOCKED;
  else if (st.tries_left == 1) p->flags |= CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY;
  else if (st.tries_left < t->max_tries) p->flags |= CKF_USER_PIN_COUNT_LOW;
  if (t->pinpad) p->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
  return rv;
}

static CK_RV sim_GetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR pList, CK_ULONG_PTR pCount) {
  CK_MECHANISM_TYPE all[MAX_MECHS];
  CK_ULONG n = MAX_MECHS, kept = 0;
  struct token_cfg *t = token_in_slot(slot);
  if (t && !t->present) return CKR_TOKEN_NOT_PRESENT;
  CK_RV rv = real.C_GetMechanismList(slot, all, &n);
  if (rv != CKR_OK) return rv;
  for (CK_ULONG i = 0; i < n; i++)
    if (!t || !hidden(t, all[i])) all[kept++] = all[i];
  if (pList) {
    if (*pCount < kept) { *pCount = kept; return CKR_BUFFER_TOO_SMALL; }
    memcpy(pList, all, kept * sizeof *all);
  }
  *pCount = kept;
  return CKR_OK;
}

static CK_RV sim_GetMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR p) {
  struct token_cfg *t = token_in_slot(slot);
  if (t && !t->present) return CKR_TOKEN_NOT_PRESENT;
  if (t && hidden(t, type)) return CKR_MECHANISM_INVALID;
  return real.C_GetMechanismInfo(slot, type, p);
}

static CK_RV sim_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify, CK_SESSION_HANDLE_PTR ph) {
  struct token_cfg *t = token_in_slot(slot);
  if (t && !t->present) return CKR_TOKEN_NOT_PRESENT;
  return real.C_OpenSession(slot, flags, app, notify, ph);
}

static CK_RV sim_Login(CK_SESSION_HANDLE h, CK_USER_TYPE type, CK_UTF8CHAR_PTR pin, CK_ULONG len) {
  struct token_cfg *t = NULL;
  CK_RV rv = check_session(h, &t);
  if (rv != CKR_OK) return rv;
  if (type != CKU_USER && type != CKU_CONTEXT_SPECIFIC) return real.C_Login(h, type, pin, len);
  struct pin_state st = read_state(t);
  st.login_calls++;
  if (st.tries_left <= 0) {
    write_state(t, &st);
    return CKR_PIN_LOCKED;
  }
  if ((pin == NULL || len == 0) && t->pinpad) { /* the user types it on the reader */
    pin = (CK_UTF8CHAR_PTR)t->pinpad_pin;
    len = strlen(t->pinpad_pin);
  }
  rv = real.C_Login(h, type, pin, len);
  if (rv == CKR_PIN_INCORRECT || rv == CKR_PIN_LEN_RANGE) st.tries_left--;
  else if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) st.tries_left = t->max_tries;
  write_state(t, &st);
  return rv;
}

static CK_RV sim_Logout(CK_SESSION_HANDLE h) {
  CK_RV rv = check_session(h, NULL);
  return rv != CKR_OK ? rv : real.C_Logout(h);
}

static CK_RV sim_FindObjectsInit(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR tpl, CK_ULONG n) {
  CK_RV rv = check_session(h, NULL);
  return rv != CKR_OK ? rv : real.C_FindObjectsInit(h, tpl, n);
}

static CK_RV sim_FindObjects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR p, CK_ULONG max, CK_ULONG_PTR n) {
  CK_RV rv = check_session(h, NULL);
  return rv != CKR_OK ? rv : real.C_FindObjects(h, p, max, n);
}

/* Attributes that hold private-key material. Asking for one on a key object is
   counted (secret_reads), whatever the token answers: tests prove the app never
   even tries to take the key off the card. */
static int is_secret_attribute(CK_ATTRIBUTE_TYPE a) {
  return a == CKA_VALUE || a == CKA_PRIVATE_EXPONENT || a == CKA_PRIME_1 || a == CKA_PRIME_2 ||
         a == CKA_EXPONENT_1 || a == CKA_EXPONENT_2 || a == CKA_COEFFICIENT;
}

static CK_RV sim_GetAttributeValue(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR tpl, CK_ULONG n) {
  struct token_cfg *t = NULL;
  CK_RV rv = check_session(h, &t);
  if (rv != CKR_OK) return rv;
  int asks_secret = 0;
  for (CK_ULONG i = 0; i < n; i++) asks_secret |= is_secret_attribute(tpl[i].type);
  if (asks_secret) {
    CK_OBJECT_CLASS cls = 0;
    CK_ATTRIBUTE q = { CKA_CLASS, &cls, sizeof cls };
    if (real.C_GetAttributeValue(h, o, &q, 1) == CKR_OK && (cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY)) {
      struct pin_state st = read_state(t);
      st.secret_reads++;
      write_state(t, &st);
    }
  }
  return real.C_GetAttributeValue(h, o, tpl, n);
}

static CK_RV sim_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key) {
  struct token_cfg *t = NULL;
  CK_RV rv = check_session(h, &t);
  if (rv != CKR_OK) return rv;
  if (m && hidden(t, m->mechanism)) return CKR_MECHANISM_INVALID;
  return real.C_SignInit(h, m, key);
}

static CK_RV sim_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR data, CK_ULONG len, CK_BYTE_PTR sig, CK_ULONG_PTR siglen) {
  struct token_cfg *t = NULL;
  CK_RV rv = check_session(h, &t);
  if (rv != CKR_OK) return rv;
  if (sig && t->sign_delay_ms > 0) {
    struct pin_state started = read_state(t);
    started.sign_started++;
    write_state(t, &started);
    struct timespec ts = { t->sign_delay_ms / 1000, (long)(t->sign_delay_ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {}
    rv = check_session(h, NULL); /* pulled out while "computing"? */
    if (rv != CKR_OK) return rv;
  }
  rv = real.C_Sign(h, data, len, sig, siglen);
  if (rv == CKR_OK && sig) { /* a real signature, not a length query */
    struct pin_state st = read_state(t);
    st.sign_calls++;
    write_state(t, &st);
  }
  return rv;
}

/* ---------- entry point ---------- */

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR pp) {
  if (!pp) return CKR_ARGUMENTS_BAD;
  if (!real_lib) {
    load_config();
    real_lib = dlopen(cfg.module, RTLD_NOW | RTLD_LOCAL);
    if (!real_lib) {
      fprintf(stderr, "cps-sim: cannot load %s: %s\n", cfg.module, dlerror());
      return CKR_GENERAL_ERROR;
    }
    CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR) = (CK_RV(*)(CK_FUNCTION_LIST_PTR_PTR))dlsym(real_lib, "C_GetFunctionList");
    CK_FUNCTION_LIST_PTR list = NULL;
    if (!get || get(&list) != CKR_OK || !list) return CKR_GENERAL_ERROR;
    real = *list;
    sim = *list;
    sim.C_GetFunctionList = C_GetFunctionList;
    sim.C_GetSlotList = sim_GetSlotList;
    sim.C_GetSlotInfo = sim_GetSlotInfo;
    sim.C_GetTokenInfo = sim_GetTokenInfo;
    sim.C_GetMechanismList = sim_GetMechanismList;
    sim.C_GetMechanismInfo = sim_GetMechanismInfo;
    sim.C_OpenSession = sim_OpenSession;
    sim.C_Login = sim_Login;
    sim.C_Logout = sim_Logout;
    sim.C_FindObjectsInit = sim_FindObjectsInit;
    sim.C_FindObjects = sim_FindObjects;
    sim.C_GetAttributeValue = sim_GetAttributeValue;
    sim.C_SignInit = sim_SignInit;
    sim.C_Sign = sim_Sign;
  }
  *pp = &sim;
  return CKR_OK;
}
