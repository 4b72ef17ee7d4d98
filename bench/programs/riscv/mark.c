/* A CoreMark-like mix, written for Causeway (not derived from CoreMark's code): each iteration runs
 * pointer-chasing list work, a small int16 matrix kernel, a character-driven state machine, and
 * folds every result into a CRC-16, so that no part can be skipped and the final CRC checks all of
 * them. The proportions roughly follow CoreMark's: many short loops, branchy code, little memory. */
#include "causeway.h"

#define ITERATIONS 22000

/* ---- CRC-16/CCITT, bitwise, as the common thread ---- */
static uint16_t crc16(uint16_t crc, uint32_t v, int bytes)
{
    for (int b = 0; b < bytes; b++) {
        crc ^= (uint16_t)((v >> (8 * b)) & 0xff) << 8;
        for (int k = 0; k < 8; k++)
            crc = crc & 0x8000 ? (uint16_t)(crc << 1) ^ 0x1021 : (uint16_t)(crc << 1);
    }
    return crc;
}

/* ---- list processing: a singly linked list of 256 nodes ---- */
#define NODES 256
typedef struct node {
    struct node *next;
    int16_t value;
    uint16_t id;
} node;
static node pool[NODES];

static node *list_build(uint32_t seed)
{
    node *head = 0;
    for (int i = NODES - 1; i >= 0; i--) {
        seed = seed * 1664525u + 1013904223u;
        pool[i].value = (int16_t)(seed >> 16);
        pool[i].id = (uint16_t)i;
        pool[i].next = head;
        head = &pool[i];
    }
    return head;
}

static node *list_reverse(node *head)
{
    node *prev = 0;
    while (head) {
        node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

static node *list_find(node *head, int16_t value)
{
    while (head && head->value != value)
        head = head->next;
    return head;
}

/* Merge sort on the list itself, by value (by_id = 0) or by id (1). */
static int before(const node *a, const node *b, int by_id)
{
    return by_id ? a->id <= b->id : a->value <= b->value;
}
static node *list_sort(node *head, int by_id)
{
    for (unsigned width = 1;; width *= 2) {
        node *p = head, *tail = 0;
        head = 0;
        unsigned merges = 0;
        while (p) {
            merges++;
            node *q = p;
            unsigned psize = 0, qsize = width;
            while (psize < width && q) {
                psize++;
                q = q->next;
            }
            while (psize || (qsize && q)) {
                node *e;
                if (!psize) {
                    e = q, q = q->next, qsize--;
                } else if (!qsize || !q || before(p, q, by_id)) {
                    e = p, p = p->next, psize--;
                } else {
                    e = q, q = q->next, qsize--;
                }
                if (tail)
                    tail->next = e;
                else
                    head = e;
                tail = e;
            }
            p = q;
        }
        tail->next = 0;
        if (merges <= 1)
            return head;
    }
}

static uint16_t list_work(uint16_t crc, uint32_t seed)
{
    node *head = list_build(seed);
    head = list_sort(head, 0);
    int32_t sum = 0;
    for (node *p = head; p; p = p->next)
        sum += p->value;
    crc = crc16(crc, (uint32_t)sum, 4);
    for (int i = 0; i < 8; i++) {
        node *f = list_find(head, pool[(seed + 37u * (uint32_t)i) % NODES].value);
        crc = crc16(crc, f ? f->id : 0xffff, 2);
        f = list_find(head, (int16_t)(i * 1000)); /* usually absent: a full walk */
        crc = crc16(crc, f ? f->id : 0xffff, 2);
    }
    head = list_reverse(head);
    crc = crc16(crc, (uint16_t)head->value, 2);
    head = list_sort(head, 1);
    crc = crc16(crc, head->next->next->id, 2);
    return crc;
}

/* ---- matrix: 24x24 int16 ---- */
#define M 24
static int16_t ma[M][M], mb[M][M];
static int32_t mc[M][M], vec[M];

static uint16_t matrix_work(uint16_t crc, uint32_t seed)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) {
            seed = seed * 69069u + 1;
            ma[i][j] = (int16_t)((seed >> 20) - 2048);
            mb[i][j] = (int16_t)((seed >> 8) & 0xff);
        }
    int16_t k = (int16_t)(seed & 0xf);
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++)
            ma[i][j] = (int16_t)(ma[i][j] + k);
    for (int i = 0; i < M; i++) {
        int32_t acc = 0;
        for (int j = 0; j < M; j++)
            acc += ma[i][j] * mb[j][i];
        vec[i] = acc;
    }
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++) {
            int32_t acc = 0;
            for (int l = 0; l < M; l++)
                acc += ma[i][l] * mb[l][j];
            mc[i][j] = acc;
        }
    uint32_t bits = 0;
    for (int i = 0; i < M; i++)
        for (int j = 0; j < M; j++)
            bits += (uint32_t)(mc[i][j] >> 2) & 0xf0f; /* bit extraction */
    crc = crc16(crc, bits, 4);
    crc = crc16(crc, (uint32_t)vec[seed % M], 4);
    crc = crc16(crc, (uint32_t)mc[3][5], 4);
    return crc;
}

/* ---- state machine: classify comma-separated tokens ---- */
enum { START, INT, FRAC, EXP_SIGN, EXP, INVALID, NSTATES };
static char text[512];

static uint16_t state_work(uint16_t crc, uint32_t seed)
{
    static const char *const tokens[] = {"5012", "1.5e7", "-42", "+0.25", "3.", "e9", "7E-3", "12a4", "-", "99999", "0.0001"};
    unsigned n = 0;
    while (n < sizeof text - 16) {
        seed = seed * 1103515245u + 12345u;
        const char *t = tokens[(seed >> 16) % (sizeof tokens / sizeof tokens[0])];
        while (*t)
            text[n++] = *t++;
        text[n++] = ',';
    }
    text[n] = 0;
    /* Corrupt a few characters, as CoreMark's state test does between passes. */
    for (int i = 0; i < 4; i++) {
        seed = seed * 1103515245u + 12345u;
        text[(seed >> 16) % n] = "x.,1"[i];
    }

    uint32_t counts[NSTATES] = {0}, transitions = 0;
    int state = START;
    for (const char *p = text;; p++) {
        char c = *p;
        int next = state;
        if (c == ',' || c == 0) {
            counts[state]++;
            next = START;
        } else {
            switch (state) {
            case START:
                next = (c >= '0' && c <= '9') || c == '+' || c == '-' ? INT : c == '.' ? FRAC : INVALID;
                break;
            case INT:
                next = c >= '0' && c <= '9' ? INT : c == '.' ? FRAC : c == 'e' || c == 'E' ? EXP_SIGN : INVALID;
                break;
            case FRAC:
                next = c >= '0' && c <= '9' ? FRAC : c == 'e' || c == 'E' ? EXP_SIGN : INVALID;
                break;
            case EXP_SIGN:
                next = c == '+' || c == '-' || (c >= '0' && c <= '9') ? EXP : INVALID;
                break;
            case EXP:
                next = c >= '0' && c <= '9' ? EXP : INVALID;
                break;
            default:
                next = INVALID;
            }
        }
        transitions += next != state;
        state = next;
        if (c == 0)
            break;
    }
    for (int s = 0; s < NSTATES; s++)
        crc = crc16(crc, counts[s], 2);
    return crc16(crc, transitions, 2);
}

int main(void)
{
    uint16_t crc_list = 0, crc_matrix = 0, crc_state = 0, crc = 0xffff;
    for (uint32_t it = 0; it < ITERATIONS; it++) {
        crc_list = list_work(crc_list, it * 7919u + 1);
        crc_matrix = matrix_work(crc_matrix, it * 104729u + 3);
        crc_state = state_work(crc_state, it * 1299709u + 5);
        crc = crc16(crc, (uint32_t)crc_list << 16 | crc_matrix, 4);
        crc = crc16(crc, crc_state, 2);
    }
    cw_puts("mark: iterations ");
    cw_print_uint(ITERATIONS);
    cw_puts(" list ");
    cw_print_hex_width(crc_list, 4);
    cw_puts(" matrix ");
    cw_print_hex_width(crc_matrix, 4);
    cw_puts(" state ");
    cw_print_hex_width(crc_state, 4);
    cw_puts(" final ");
    cw_print_hex_width(crc, 4);
    cw_putc('\n');
    return 0;
}
