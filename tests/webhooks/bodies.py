"""Webhook bodies as amoCRM posts them, one or more per event family.

Sources (public, none written by this project):

* ZAPIER_* — captured deliveries (``User-Agent: amoCRM-WebHook-client/1.0``) kept verbatim,
  URL-encoded, in github.com/Bolid1/zapier_build ``app/tests/*_catch_hook.js``.
* DOC_* — the examples of https://www.amocrm.ru/developers/content/crm_platform/webhooks-format
  (published as the PHP ``$_POST`` array; written here as the form fields that produce it).
* NOTE_LEAD — the ``note_lead`` fields public receivers read from live hooks
  (``leads[note][0][note][id|element_id|element_type|note_type|text|created_by]``).
* TALK_ADD — a Kommo ``add_talk`` delivery as documented by a public receiver
  (origin, contact_id, entity_id, chat_id, talk_id, is_read, account[subdomain]).
* MESSAGE_ADD — the incoming-message example of the same docs page, as form fields.
* LEAD_DELETE, CUSTOMER_ADD — no public capture found: built from the shape protocol.md §7
  describes (deletions carry ids with status/pipeline; customers use the entity pattern).

The form bodies are built with the standard library's ``urlencode`` from literal field lists,
never with the encoder under test.
"""

# ruff: noqa: RUF001 - Russian text, as amoCRM sends it

from __future__ import annotations

from urllib.parse import urlencode

ZAPIER_STATUS_LEAD = (
    "leads%5Bstatus%5D%5B0%5D%5Bid%5D=31926520&leads%5Bstatus%5D%5B0%5D%5Bname%5D=Some+test+lead"
    "&leads%5Bstatus%5D%5B0%5D%5Bstatus_id%5D=10216994&leads%5Bstatus%5D%5B0%5D%5Bprice%5D=1000"
    "&leads%5Bstatus%5D%5B0%5D%5Bresponsible_user_id%5D=938348"
    "&leads%5Bstatus%5D%5B0%5D%5Blast_modified%5D=1456820780"
    "&leads%5Bstatus%5D%5B0%5D%5Bmodified_user_id%5D=102525"
    "&leads%5Bstatus%5D%5B0%5D%5Bcreated_user_id%5D=102525"
    "&leads%5Bstatus%5D%5B0%5D%5Bdate_create%5D=1456808154"
    "&leads%5Bstatus%5D%5B0%5D%5Bpipeline_id%5D=2116"
    "&leads%5Bstatus%5D%5B0%5D%5Baccount_id%5D=10216991"
    "&leads%5Bstatus%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bid%5D=1119321"
    "&leads%5Bstatus%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bname%5D=Some+text+field"
    "&leads%5Bstatus%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bvalues%5D%5B0%5D%5Bvalue%5D=some+text"
    "&leads%5Bstatus%5D%5B0%5D%5Bold_status_id%5D=10216995&account%5Bsubdomain%5D=test000002"
)

ZAPIER_RESPONSIBLE_LEAD = (
    "leads%5Bresponsible%5D%5B0%5D%5Bid%5D=31926520"
    "&leads%5Bresponsible%5D%5B0%5D%5Bname%5D=Some+test+lead"
    "&leads%5Bresponsible%5D%5B0%5D%5Bstatus_id%5D=10216994"
    "&leads%5Bresponsible%5D%5B0%5D%5Bprice%5D=10000"
    "&leads%5Bresponsible%5D%5B0%5D%5Bresponsible_user_id%5D=938348"
    "&leads%5Bresponsible%5D%5B0%5D%5Blast_modified%5D=1456822527"
    "&leads%5Bresponsible%5D%5B0%5D%5Bmodified_user_id%5D=102525"
    "&leads%5Bresponsible%5D%5B0%5D%5Bcreated_user_id%5D=102525"
    "&leads%5Bresponsible%5D%5B0%5D%5Bdate_create%5D=1456808154"
    "&leads%5Bresponsible%5D%5B0%5D%5Bpipeline_id%5D=2116"
    "&leads%5Bresponsible%5D%5B0%5D%5Baccount_id%5D=10216991"
    "&leads%5Bresponsible%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bid%5D=1119321"
    "&leads%5Bresponsible%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bname%5D=Some+text+field"
    "&leads%5Bresponsible%5D%5B0%5D%5Bcustom_fields%5D%5B0%5D%5Bvalues%5D%5B0%5D%5Bvalue%5D"
    "=some+text&leads%5Bresponsible%5D%5B0%5D%5Bold_responsible_user_id%5D=102525"
    "&account%5Bsubdomain%5D=test000002"
)

ZAPIER_ADD_COMPANY = (
    "contacts%5Badd%5D%5B0%5D%5Bid%5D=1110&contacts%5Badd%5D%5B0%5D%5Bname%5D=dsf"
    "&contacts%5Badd%5D%5B0%5D%5Bresponsible_user_id%5D=102525"
    "&contacts%5Badd%5D%5B0%5D%5Bdate_create%5D=1456824655"
    "&contacts%5Badd%5D%5B0%5D%5Blast_modified%5D=1456824655"
    "&contacts%5Badd%5D%5B0%5D%5Bcreated_user_id%5D=102525"
    "&contacts%5Badd%5D%5B0%5D%5Bmodified_user_id%5D=102525"
    "&contacts%5Badd%5D%5B0%5D%5Btype%5D=company&account%5Bsubdomain%5D=test000002"
)

ZAPIER_RESTORE_CONTACT = (
    "contacts%5Brestore%5D%5B0%5D%5Bid%5D=1065&contacts%5Brestore%5D%5B0%5D%5Bname%5D=Some+name"
    "&contacts%5Brestore%5D%5B0%5D%5Bresponsible_user_id%5D=102525"
    "&contacts%5Brestore%5D%5B0%5D%5Bdate_create%5D=1456375650"
    "&contacts%5Brestore%5D%5B0%5D%5Blast_modified%5D=1456827128"
    "&contacts%5Brestore%5D%5B0%5D%5Bcreated_user_id%5D=102525"
    "&contacts%5Brestore%5D%5B0%5D%5Bmodified_user_id%5D=102525"
    "&contacts%5Brestore%5D%5B0%5D%5Btype%5D=contact&account%5Bsubdomain%5D=test000002"
)

_ACCOUNT = [
    ("account[subdomain]", "test"),
    ("account[id]", "1312313"),
    ("account[_links][self]", "https://test.amocrm.ru"),
]

DOC_ADD_CONTACT = urlencode(
    [
        ("contacts[add][0][id]", "10952709"),
        ("contacts[add][0][name]", "Контакт"),
        ("contacts[add][0][responsible_user_id]", "123123"),
        ("contacts[add][0][date_create]", "1684402722"),
        ("contacts[add][0][last_modified]", "1684402722"),
        ("contacts[add][0][created_user_id]", "123123"),
        ("contacts[add][0][modified_user_id]", "123123"),
        ("contacts[add][0][company_name]", "Company"),
        ("contacts[add][0][linked_company_id]", "10857345"),
        ("contacts[add][0][account_id]", "7039099"),
        ("contacts[add][0][custom_fields][0][id]", "575809"),
        ("contacts[add][0][custom_fields][0][name]", "Телефон"),
        ("contacts[add][0][custom_fields][0][values][0][value]", "+76665554433"),
        ("contacts[add][0][custom_fields][0][values][0][enum]", "311321"),
        ("contacts[add][0][custom_fields][0][code]", "PHONE"),
        ("contacts[add][0][linked_leads_id][7551167][ID]", "7551167"),
        ("contacts[add][0][created_at]", "1684402722"),
        ("contacts[add][0][updated_at]", "1684402722"),
        ("contacts[add][0][type]", "contact"),
        ("account[subdomain]", "test"),
    ]
)

DOC_ADD_COMPANY = urlencode(
    [
        ("contacts[add][0][id]", "10959143"),
        ("contacts[add][0][name]", "Компания"),
        ("contacts[add][0][responsible_user_id]", "123123"),
        ("contacts[add][0][date_create]", "1684402979"),
        ("contacts[add][0][last_modified]", "1684402979"),
        ("contacts[add][0][created_user_id]", "123123"),
        ("contacts[add][0][modified_user_id]", "123123"),
        ("contacts[add][0][account_id]", "7039099"),
        ("contacts[add][0][linked_leads_id][7480363][ID]", "7480363"),
        ("contacts[add][0][created_at]", "1684402979"),
        ("contacts[add][0][updated_at]", "1684402979"),
        ("contacts[add][0][type]", "company"),
        ("account[subdomain]", "test"),
    ]
)

DOC_LEAD_STATUS_CHECKBOXES = urlencode(
    [
        ("leads[status][0][id]", "25399013"),
        ("leads[status][0][name]", "Lead title"),
        ("leads[status][0][old_status_id]", "7039101"),
        ("leads[status][0][status_id]", "142"),
        ("leads[status][0][price]", "0"),
        ("leads[status][0][responsible_user_id]", "123123"),
        ("leads[status][0][last_modified]", "1413554372"),
        ("leads[status][0][modified_user_id]", "123123"),
        ("leads[status][0][created_user_id]", "123123"),
        ("leads[status][0][date_create]", "1413554349"),
        ("leads[status][0][account_id]", "7039099"),
        ("leads[status][0][custom_fields][0][id]", "427183"),
        ("leads[status][0][custom_fields][0][name]", "Checkbox custom field"),
        ("leads[status][0][custom_fields][0][values][0]", "1"),
        ("leads[status][0][custom_fields][1][id]", "427271"),
        ("leads[status][0][custom_fields][1][name]", "Date custom field"),
        ("leads[status][0][custom_fields][1][values][0]", "1412380800"),
        ("leads[status][0][custom_fields][2][id]", "427661"),
        ("leads[status][0][custom_fields][2][name]", "Text custom field"),
        ("leads[status][0][custom_fields][2][values][0]", "Валера"),
        ("account[subdomain]", "test"),
    ]
)

DOC_TASK_UPDATE = urlencode(
    [
        ("task[update][0][id]", "11122233"),
        ("task[update][0][element_id]", "33322211"),
        ("task[update][0][element_type]", "2"),
        ("task[update][0][task_type]", "1"),
        ("task[update][0][date_create]", "2017-07-20 15:00:00"),
        ("task[update][0][text]", "Follow-up"),
        ("task[update][0][status]", "1"),
        ("task[update][0][account_id]", "77711122"),
        ("task[update][0][created_user_id]", "123123"),
        ("task[update][0][last_modified]", "2017-07-21 19:00:00"),
        ("task[update][0][responsible_user_id]", "123123"),
        ("task[update][0][complete_till]", "2017-07-22 23:59:00"),
        ("task[update][0][action_close]", "1"),
        ("task[update][0][result][id]", "155155155"),
        ("task[update][0][result][text]", "Success"),
        ("account[subdomain]", "test"),
    ]
)

DOC_UNSORTED_ADD = urlencode(
    [
        ("unsorted[add][0][uid]", "40789acb990dbb9754dc234e18d2325470612b2284880504d78f258d8f77"),
        ("unsorted[add][0][category]", "forms"),
        ("unsorted[add][0][account_id]", "1312313"),
        ("unsorted[add][0][user_id]", "123123"),
        ("unsorted[add][0][source]", "Заявка с сайта №441310 из формы <<Форма #1548921297>>"),
        ("unsorted[add][0][pipeline_id]", "142141"),
        ("unsorted[add][0][source_data][name_1][type]", "text"),
        ("unsorted[add][0][source_data][name_1][id]", "name_1"),
        ("unsorted[add][0][source_data][name_1][element_type]", "1"),
        ("unsorted[add][0][source_data][name_1][name]", "ФИО"),
        ("unsorted[add][0][source_data][name_1][value]", "Валерий"),
        ("unsorted[add][0][source_data][form_id]", "243222"),
        ("unsorted[add][0][source_data][origin][ip]", "12.123.123.12"),
        ("unsorted[add][0][source_data][origin][referer]", "https://test.amocrm.ru/settings"),
        ("unsorted[add][0][data][leads][0][date_create]", "156232405"),
        ("unsorted[add][0][data][leads][0][tags]", "Заявка с сайта"),
        ("unsorted[add][0][data][contacts][0][name]", "contact"),
        ("unsorted[add][0][data][contacts][0][custom_fields][0][id]", "121507"),
        ("unsorted[add][0][data][contacts][0][custom_fields][0][values][0][enum]", "223111"),
        ("unsorted[add][0][data][contacts][0][custom_fields][0][values][0][value]", "23424"),
        *_ACCOUNT,
    ]
)

DOC_UNSORTED_UPDATE = urlencode(
    [
        (
            "unsorted[update][0][uid]",
            "40789acb990dbb9754dc234e18d2325470612b2284880504d78f258d8f77",
        ),
        ("unsorted[update][0][category]", "forms"),
        ("unsorted[update][0][account_id]", "1312313"),
        ("unsorted[update][0][pipeline_id]", "142141"),
        ("unsorted[update][0][data][leads][0][id]", "24242432"),
        ("unsorted[update][0][data][leads][0][status_id]", "424232222"),
        ("unsorted[update][0][data][pipeline_id]", "4353222"),
        *_ACCOUNT,
    ]
)

DOC_UNSORTED_DECLINE = urlencode(
    [
        ("unsorted[delete][0][action]", "decline"),
        (
            "unsorted[delete][0][uid]",
            "40789acb990dbb9754dc234e18d2325470612b2284880504d78f258d8f77",
        ),
        ("unsorted[delete][0][category]", "forms"),
        ("unsorted[delete][0][created_at]", "124242341"),
        ("unsorted[delete][0][decline_result][leads][0]", "2132111"),
        *_ACCOUNT,
    ]
)

DOC_UNSORTED_ACCEPT = urlencode(
    [
        ("unsorted[delete][0][action]", "accept"),
        (
            "unsorted[delete][0][uid]",
            "40789acb990dbb9754dc234e18d2325470612b2284880504d78f258d8f77",
        ),
        ("unsorted[delete][0][category]", "forms"),
        ("unsorted[delete][0][created_at]", "124242341"),
        ("unsorted[delete][0][accept_result][leads][0]", "2132111"),
        ("unsorted[delete][0][accept_result][contacts][0]", "3454532"),
        *_ACCOUNT,
    ]
)

MESSAGE_ADD = urlencode(
    [
        ("message[add][0][id]", "amo12345-31ed-41af-am23-conf1504"),
        ("message[add][0][chat_id]", "2f61amo-c914-r429-m4f1-4005c15o5n0f"),
        ("message[add][0][author][id]", "7a389amo2-cr65-46m6-8216-06f39w12q3d8s"),
        ("message[add][0][author][name]", "Ivan Ivanov"),
        ("message[add][0][text]", "Hello World!"),
        ("message[add][0][created_at]", "1580116931"),
        ("message[add][0][origin]", "telegram"),
        ("message[add][0][attachment][type]", "picture"),
        ("message[add][0][attachment][link]", "https://amojo.amocrm.ru/attachments/x/amocrm.gif"),
        ("message[add][0][element_id]", "123456789"),
        ("message[add][0][element_type]", "1"),
        *_ACCOUNT,
    ]
)

NOTE_LEAD = urlencode(
    [
        ("leads[note][0][note][id]", "99001"),
        ("leads[note][0][note][element_id]", "5000"),
        ("leads[note][0][note][element_type]", "2"),
        ("leads[note][0][note][note_type]", "4"),
        ("leads[note][0][note][text]", "Позвонить утром"),
        ("leads[note][0][note][created_by]", "7"),
        ("account[subdomain]", "mybiz"),
        ("account[id]", "29000001"),
    ]
)

TALK_ADD = urlencode(
    [
        ("talk[add][0][talk_id]", "106564"),
        ("talk[add][0][contact_id]", "28771643"),
        ("talk[add][0][entity_id]", "23711835"),
        ("talk[add][0][entity_type]", "leads"),
        ("talk[add][0][chat_id]", "0b5a1d9e-7f3c-4a55-9d1e-2c6f8a4b7e10"),
        ("talk[add][0][is_read]", "0"),
        ("talk[add][0][is_in_work]", "1"),
        ("talk[add][0][origin]", "waba"),
        ("account[subdomain]", "analisemacro"),
    ]
)

LEAD_DELETE = urlencode(
    [
        ("leads[delete][0][id]", "31926520"),
        ("leads[delete][0][status_id]", "142"),
        ("leads[delete][0][pipeline_id]", "2116"),
        ("account[subdomain]", "test"),
        ("account[id]", "1312313"),
    ]
)

CUSTOMER_ADD = urlencode(
    [
        ("customers[add][0][id]", "201"),
        ("customers[add][0][name]", "Monthly box"),
        ("customers[add][0][next_price]", "1500"),
        ("customers[add][0][next_date]", "1700000000"),
        ("customers[add][0][responsible_user_id]", "123123"),
        ("customers[add][0][account_id]", "1312313"),
        *_ACCOUNT,
    ]
)
