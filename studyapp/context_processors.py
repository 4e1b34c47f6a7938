from studyapp.roles import is_instructor


def roles(request):
    return {"is_instructor": lambda: is_instructor(request.user)}
